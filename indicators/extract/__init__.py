"""Draft a watch list from an article's "what to watch" list (``watchlist extract``).

The stages, one module each (docs/notes/extract.md)::

    lines      article text (plain, Markdown or HTML) → classified, numbered lines
    sections   lines → every list with its heading and lead-in; the watch lists marked
    dates      publication date and the deadlines the article names
    query      one list item → a draft query (actors, event, object, distinctive terms)
    draft      the ``Draft`` value: ids, titles, notes
    render     the draft as watch-list YAML or JSON
"""

from indicators.extract.draft import Draft, DraftIndicator, extract, slugify
from indicators.extract.render import render_json, render_yaml

__all__ = ["Draft", "DraftIndicator", "extract", "render_json", "render_yaml", "slugify"]

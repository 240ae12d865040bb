"""The words a match read are the ones a sketch reads (``Matcher.words_of``).

A parse worker sketches each entry with evidence right after matching it, from the words
the match already has, so they must be ``tokenize`` of the headline and text joined by a
line break, exactly, whenever ``words_of`` gives them: stored sketches depend on it. Text
with markup is read as plain text by the match, so it gets none and is tokenised again.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.matcher import Matcher
from indicators.model import Indicator, Item
from indicators.similarity import sketch, sketch_words
from indicators.text import tokenize

# Fragments that test the tokeniser's edges: acronyms, possessives, numbers, dashes,
# datelines, line breaks (paragraphs), spaces to fold, markup and entities.
FRAGMENTS = [
    "India",
    "Russia's",
    "U.S.",
    "S-400",
    "1,250.5",
    "signed",
    "a deal",
    "NEW DELHI, Dec 5 (Reuters) -",
    "\u2019s",
    "İstanbul",
    "\u2014",
    ".",
    " ",
    "  ",
    "\n",
    "\n\n",
    "<p>",
    "&amp;",
    "e\u0301",
]
text = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
MATCHER = Matcher([Indicator("deal", "A deal", "india AND (deal OR signed)")])


@settings(max_examples=400)
@given(text, text)
def test_the_words_of_a_match_are_the_sketchs_words(title: str, summary: str) -> None:
    item = Item("i", title, summary)
    MATCHER.match(item)
    words = MATCHER.words_of(item)
    if words is not None:
        assert words == tokenize(f"{title}\n{summary}")
        assert sketch_words(words) == sketch(f"{title}\n{summary}")
    if "<" in title + summary or "&" in title + summary:
        assert words is None or words == tokenize(f"{title}\n{summary}")


def test_plain_text_gets_its_words_and_other_items_do_not() -> None:
    plain = Item("a", "India and Russia signed a deal", "Officials said so.\nMore later.")
    MATCHER.match(plain)
    assert MATCHER.words_of(plain) == tokenize(f"{plain.title}\n{plain.summary}")
    # Another item than the one matched last, and text whose markup the match dropped.
    assert MATCHER.words_of(Item("b", "India", "Other text")) is None
    marked = Item("c", "India <b>signed</b>", "a deal")
    MATCHER.match(marked)
    assert MATCHER.words_of(marked) is None

"""The in-process baselines the product is compared with.

Matching: ``RegexRules`` evaluates every rule on every entry with one precompiled regular
expression per term, the way a keyword-alert tool without an index would. It is meant to
be a fair opponent, not a strawman:

* the entry is reduced to text once (tags stripped, entities decoded, lower-cased), not
  once per rule or per term;
* a term's pattern is compiled once and shared by every rule that uses it;
* words and phrases match on word boundaries (``\\bword\\b``, ``\\bnew\\W+delhi\\b``), a prefix
  is ``\\bstem`` (a word that starts with the stem), written so that ``re`` still scans
  for the literal (``fast_pattern``; ``textbook=True`` uses the plain ``\\b…\\b`` form,
  which is much slower and reported only for reference);
* the boolean short-circuits: the first group with no term present rejects the rule, and
  a group stops at its first present term;
* it evaluates the rule once on the whole entry, not per sentence, and finds no modality,
  no sentence and no positions: strictly less work than ``indicators.matcher.Matcher``.

Polling: ``sequential_feedparser`` is the plain ``for url in urls: feedparser.parse(url)``
loop (feedparser fetching with urllib, default sanitising and URI resolution), storing and
matching nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

import feedparser

from bench.corpus import Rule, Term

_TAG = re.compile(r"<[^>]*>")


def textbook_pattern(term: Term) -> str:
    r"""``\bterm\b``: what most people write, but a leading ``\b`` disables the literal
    prefix scan of ``re`` (about 25x slower per search on a 2 KB text here)."""
    kind, text = term
    if kind == "prefix":
        return r"\b" + re.escape(text)
    return r"\b" + r"\W+".join(re.escape(w) for w in text.split()) + r"\b"


def fast_pattern(term: Term) -> str:
    r"""The same matches as ``textbook_pattern``, written so ``re`` can scan for the literal
    first word: the leading boundary becomes a fixed-width lookbehind placed after it
    (``word(?<!\w.{4})``: the character before the word is not a word character)."""
    kind, text = term
    first, *rest = text.split()
    head = re.escape(first) + f"(?<!\\w.{{{len(first)}}})"
    if kind == "prefix":
        return head
    return head + "".join(r"\W+" + re.escape(w) for w in rest) + r"\b"


class RegexRules:
    """Per-rule evaluation with one compiled regex per term (see the module docstring)."""

    def __init__(self, rules: Sequence[Rule], *, textbook: bool = False) -> None:
        compiled: dict[Term, re.Pattern[str]] = {}
        pattern = textbook_pattern if textbook else fast_pattern

        def get(term: Term) -> re.Pattern[str]:
            if term not in compiled:
                compiled[term] = re.compile(pattern(term))
            return compiled[term]

        self.rules = [
            (
                rule.id,
                tuple(tuple(get(t).search for t in group) for group in rule.groups),
                tuple(get(t).search for t in rule.negated),
            )
            for rule in rules
        ]
        self.patterns = len(compiled)

    @staticmethod
    def text(title: str, summary_html: str) -> str:
        return html.unescape(_TAG.sub(" ", f"{title}\n{summary_html}")).lower()

    def match(self, title: str, summary_html: str) -> list[str]:
        text = self.text(title, summary_html)
        found = []
        for rule_id, groups, negated in self.rules:
            for group in groups:
                for search in group:
                    if search(text):
                        break
                else:
                    break  # no term of this group: the rule fails
            else:
                for search in negated:
                    if search(text):
                        break
                else:
                    found.append(rule_id)
        return found


def sequential_feedparser(urls: Iterable[str]) -> int:
    """``feedparser.parse(url)`` one feed after the other; returns the number of entries."""
    entries = 0
    for url in urls:
        result = feedparser.parse(url)
        entries += len(result.entries)
    return entries

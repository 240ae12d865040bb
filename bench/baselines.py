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
* like ``indicators.matcher.Matcher``, a rule matches when one sentence (or the headline)
  satisfies it, but the rule is first tried on the whole entry without its negations and
  only the few rules that pass are tried sentence by sentence; it finds no modality and no
  positions: less work than the Matcher does.

Polling: ``sequential_feedparser`` is the plain ``for url in urls: feedparser.parse(url)``
loop (feedparser fetching with urllib, default sanitising and URI resolution), storing and
matching nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence

import feedparser

from bench.corpus import Rule, Term

_TAG = re.compile(r"<[^>]*>")
_BLOCK = re.compile(r"</?(?:p|br|div|li)\b[^>]*>", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[^\s])")


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

    @staticmethod
    def sentences(title: str, summary_html: str) -> list[str]:
        """The headline, then the summary split at paragraphs and sentence ends."""
        body = html.unescape(_TAG.sub("\n", _BLOCK.sub("\n", summary_html))).lower()
        out = [html.unescape(_TAG.sub(" ", title)).lower()]
        for line in body.splitlines():
            out.extend(s for s in _SENTENCE_END.split(line) if s.strip())
        return out

    def match(self, title: str, summary_html: str) -> list[str]:
        """The rules with a sentence (or the headline) that satisfies them, like Matcher.

        Each rule is first tried on the whole entry, negations aside (a rule whose groups
        are not all in the entry cannot be in one sentence of it): most rules stop there,
        and only the few left are tried sentence by sentence, NOTs included.
        """
        text = self.text(title, summary_html)
        sentences: list[str] | None = None
        found = []
        for rule_id, groups, negated in self.rules:
            if not _satisfied(groups, text):
                continue
            if sentences is None:
                sentences = self.sentences(title, summary_html)
            for sentence in sentences:
                if _satisfied(groups, sentence) and not any(s(sentence) for s in negated):
                    found.append(rule_id)
                    break
        return found


_Search = Callable[[str], object]


def _satisfied(groups: tuple[tuple[_Search, ...], ...], text: str) -> bool:
    """Every group has a term in ``text`` (short-circuit: plain loops, first miss ends)."""
    for group in groups:
        for search in group:
            if search(text):
                break
        else:
            return False
    return True


def sequential_feedparser(urls: Iterable[str]) -> int:
    """``feedparser.parse(url)`` one feed after the other; returns the number of entries."""
    entries = 0
    for url in urls:
        result = feedparser.parse(url)
        entries += len(result.entries)
    return entries

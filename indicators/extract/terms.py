"""One list item → what it is about: actors, names, the event and its object terms.

No part-of-speech tagger: the item is read with a few rules that hold in any topic, and
lemminflect's dictionary tells a common word from a name and a verb from a noun.

1. **Asides go**: bracketed text ("[announced on 9 May]", "(see below)") and dashed
   insertions; an acronym in brackets is kept as an acronym of the words before it.
2. **The main clause**: the item up to a comma that opens a tail ("…, marking a milestone",
   "…, drawing warnings", "…, with critics highlighting …", "…, a step that …"), a
   subordinate clause ("once", "if", "until") or a dash. The tail is context, not the event.
3. **Names**: runs of capitalised words ("European Court of Justice", "Rio Tinto"); the
   first word of the item counts only if it is not an ordinary English word.
4. **Actors**: countries and blocs in any form (``countries``); one inside a longer name
   ("American Lithium") is part of that name. An actor after "including" or "such as" is an
   example (an alternative term), not a condition.
5. **Event**: the first word of the clause that names an action class (``actions``),
   skipping reporting and modal words ("signalled", "could", "due").
6. **Terms**: the remaining content words, nouns joined into compounds ("beef quota",
   "legal opinion") and hyphenated words as phrases, boilerplate and generic words dropped;
   their forms come from ``wordforms``.
7. **Labels**: "Parliamentary approval: The concession …" is named by its label, which
   gives the event when it holds an event word (``_read_label``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from indicators.extract import wordforms
from indicators.extract.actions import Action, action_of, lemmas
from indicators.extract.thesaurus import QTerm, Thesaurus
from indicators.extract.wordlists import CALENDAR as _CALENDAR
from indicators.extract.wordlists import CONNECTORS as _CONNECTORS
from indicators.extract.wordlists import LEADING as _LEADING
from indicators.extract.wordlists import NOT_EVENTS as _NOT_EVENTS
from indicators.extract.wordlists import ORG_WORDS as _ORG_WORDS
from indicators.extract.wordlists import STOP as _STOP
from indicators.text import tokenize

_ASIDE = re.compile(r"\[[^\]]*\]|\((?P<inner>[^()]*)\)|\s[—–]\s[^—–]*?\s[—–](?=\s)")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]*[A-Z]s?$")
_TAIL = re.compile(
    r",\s+(?!including\b|according\b)(?=\w+ing\b|while\b|whereas\b|which\b|where\b|who\b|"
    r"with\b|a\s+step\b|"
    r"a\s+move\b|as\s+well\b|but\b|although\b|though\b|amid\b|after\b|before\b|in\s+a\s+bid\b)"
    r"|\s+(?=(?:once|if|unless|until|because|so\s+that|whereas|while)\s)"
    r"|\s+(?=within\s+(?:\S+\s+){0,2}(?:days?|weeks?|months?|years?)\b)"  # a deadline
    r"|\s[—–]\s|;\s|(?<=[a-z0-9%)])[.!?]\s+(?=[A-Z])",  # a paragraph item's first sentence
    re.I,
)
_WORD = re.compile(r"[^\W_][\w'’‐‑-]*")
_EXAMPLE = re.compile(
    r"\b(?:including|such\s+as|e\.g\.|for\s+example|for\s+instance|like)\s*$", re.I
)


@dataclass(frozen=True)
class Term:
    """A distinctive term of the item: one word or a phrase, with the forms to match it."""

    words: tuple[str, ...]
    kind: str  # "name", "compound", "word", "label", "example"
    terms: tuple[QTerm, ...]
    near: tuple[str, ...] = ()  # query fragments that say it in other words ("a NEAR/3 b")
    broader: tuple[QTerm, ...] = ()  # looser words, used only next to the event ("court")
    at: int = 0  # the word index in the clause: an object follows its event

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass
class Reading:
    """What ``read_item`` found in one item."""

    clause: str
    actors: list[str] = field(default_factory=list)  # conditions: countries and blocs
    examples: list[str] = field(default_factory=list)  # actors named as examples
    event: Action | None = None
    event_word: str = ""
    event_at: int = -1
    terms: list[Term] = field(default_factory=list)
    also: list[Action] = field(default_factory=list)  # a second action of the clause
    label: tuple[str, ...] = ()  # "Parliamentary approval: …": the words that name the item


def strip_asides(text: str) -> str:
    """The item without bracketed or dashed asides; a bracketed acronym stays."""

    def keep(m: re.Match[str]) -> str:
        inner = m.group("inner")
        return f" ({inner})" if inner and _ACRONYM.match(inner.strip()) else " "

    return " ".join(_ASIDE.sub(keep, f" {text} ").split())


def main_clause(text: str) -> str:
    """The item up to its first tail, subordinate clause or dash (if enough is left)."""
    label, body = split_label(text)
    for m in _TAIL.finditer(body):
        head = body[: m.start()]
        if len(head.split()) >= 3:
            return f"{label}: {head}" if label else head
    return text


def split_label(text: str) -> tuple[str, str]:
    """'Financing: whether …' → ('Financing', 'whether …'); ('', text) when none."""
    m = re.match(r"^([A-Z][^:;.!?]{0,58}?)\s*[:.]\s+(?=\S)", text)
    if m and len(m.group(1).split()) <= 6 and len(text) - m.end() > 20:
        return m.group(1), text[m.end() :]
    return "", text


@dataclass(frozen=True)
class _Word:
    raw: str
    norm: tuple[str, ...]
    start: int
    joined: bool  # only spaces since the previous word: a name or compound may go on
    opens: bool = False  # the first word of the item or of a sentence in it


def _words(text: str) -> list[_Word]:
    out: list[_Word] = []
    end = 0
    for m in _WORD.finditer(text):
        gap = text[end : m.start()]
        opens = not out or any(c in gap for c in ".:;!?")
        word = _Word(m.group(0), tuple(tokenize(m.group(0))), m.start(), not gap.strip(), opens)
        out.append(word)
        end = m.end()
    return out


def _is_cap(word: _Word) -> bool:
    return word.raw[:1].isupper() or (word.raw[:1].isdigit() and any(c.isupper() for c in word.raw))


def names(words: list[_Word]) -> list[tuple[int, int]]:
    """(start, end) word spans of capitalised runs; see the module docstring."""
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if not _is_cap(words[i]):
            i += 1
            continue
        j = i + 1
        while j < len(words) and words[j].joined:
            if _is_cap(words[j]):
                j += 1
                continue
            k = j
            while k < len(words) and words[k].joined and words[k].raw.lower() in _CONNECTORS:
                k += 1
            if k == j or k >= len(words) or not words[k].joined or not _is_cap(words[k]):
                break
            j = k  # "von der" before "Leyen", "of" before "Justice"
        start = i
        if words[i].opens and lemmas(words[i].raw):
            start = i + 1  # an ordinary word that opens a sentence: "Signing", "Farm", "Will"
        while start < j and words[start].raw.lower() in _LEADING | _CONNECTORS | _CALENDAR:
            start += 1
        if j > start:
            spans.append((start, j))
        i = j
    return spans


def read_item(title: str, thesaurus: Thesaurus, *, whole: bool = False) -> Reading:
    """Read one list item (module docstring); ``whole``: the item past its main clause too,
    for an item whose main clause says nothing ("Attend to bilateral concerns — for …")."""
    label, _ = split_label(title)
    clause = " ".join(title.split()) if whole else main_clause(strip_asides(title))
    words = _words(clause)
    reading = Reading(clause)
    used: set[int] = set()
    spans = names(words)
    _actors(words, spans, thesaurus, clause, reading, used)
    _event(words, thesaurus, reading, used, spans)
    if label:
        _read_label(label, reading)
        used.update(range(len(_words(label))))
    for start, end in spans:
        if not used & set(range(start, end)):
            phrase = tuple(w for word in words[start:end] for w in word.norm)
            reading.terms.append(replace(_name(phrase, thesaurus), at=start))
            used.update(range(start, end))
    reading.terms += _content_terms(words, used, thesaurus)
    if not whole and not reading.event and not _distinctive(reading.terms, thesaurus):
        return read_item(title, thesaurus, whole=True)
    return reading


def _read_label(label: str, reading: Reading) -> None:
    """'Parliamentary approval: The concession must …': the label names the item. When it
    names the event too, the event is the label's and its other words are the object
    ("parliamentary" → parliament*), whatever verbs the explanation goes on with."""
    label_words = tuple(tokenize(label))
    reading.label = label_words
    event_forms = set(reading.event.forms) if reading.event else set()
    if event_forms & set(label_words):
        reading.also.clear()  # "… deputies have vowed to block it": the explanation's verbs
        rest = [w for w in label_words if w not in event_forms and w not in _STOP]
        forms: list[QTerm] = []
        for word in rest:  # each word: "IMF board approval" is the IMF's or the board's
            if len(word) < 3 or (len(rest) > 1 and "ADJ" in lemmas(word)):
                continue  # "general" in "COB general strike" says nothing alone
            forms.append(QTerm((word,)))
            stem = wordforms.adjective_stem(word)
            if stem:
                forms.append(QTerm((stem,), prefix=True))
        if forms:
            reading.terms.append(Term(tuple(rest), "label", tuple(forms)))
        return
    reading.terms.append(Term(label_words, "label", (QTerm(label_words),)))


def _distinctive(terms: list[Term], thesaurus: Thesaurus) -> bool:
    return any(t.kind != "word" or t.words[0] not in thesaurus.weak for t in terms)


def _actors(
    words: list[_Word],
    spans: list[tuple[int, int]],
    thesaurus: Thesaurus,
    clause: str,
    reading: Reading,
    used: set[int],
) -> None:
    tokens = [t for word in words for t in word.norm]
    owner = [k for k, word in enumerate(words) for _ in word.norm]  # token → word index
    for key, terms in thesaurus.own_actors.items():
        for term in terms:
            hits = [i for i in range(len(tokens)) if term.matches_at(tokens, i)]
            for i in hits:
                first, last = owner[i], owner[i + len(term.words) - 1]
                inside = [s for s in spans if s[0] <= first and last < s[1]]
                if inside and any(e - s > last - first + 1 for s, e in inside):
                    named = [s for s in inside if e_len(s) > last - first + 1]
                    if not _all_actor_words(words, named[0], thesaurus):
                        continue  # part of a longer name: "American Lithium"
                used.update(range(first, last + 1))
                if first == last and _qualifies(words, first):
                    continue  # "a Chinese investor": news names the investor, not China
                before = clause[: words[first].start]
                target = reading.examples if _EXAMPLE.search(before) else reading.actors
                if key not in reading.actors and key not in reading.examples:
                    target.append(key)


def _qualifies(words: list[_Word], k: int) -> bool:
    """A demonym that qualifies the noun after it ("Chinese investor", "Austrian farmers")."""
    if k + 1 >= len(words) or not words[k + 1].joined or len(words[k].norm) != 1:
        return False
    after = words[k + 1]
    if len(after.norm) != 1 or not after.raw.islower():
        return False
    # lemminflect knows no proper adjectives: a demonym by its ending (Kenyan, Chinese,
    # Danish, Icelandic, Israeli), which a country's or a capital's name rarely has.
    demonym = words[k].norm[0].endswith(("an", "ese", "ish", "ic", "i"))
    return demonym and "NOUN" in lemmas(after.norm[0]) and "VERB" not in lemmas(after.norm[0])


def e_len(span: tuple[int, int]) -> int:
    return span[1] - span[0]


def _all_actor_words(words: list[_Word], span: tuple[int, int], thesaurus: Thesaurus) -> bool:
    tokens = [t for word in words[span[0] : span[1]] for t in word.norm]
    forms = {t.words for terms in thesaurus.own_actors.values() for t in terms}
    return all((t,) in forms or t in _CONNECTORS for t in tokens)


def _event(
    words: list[_Word],
    thesaurus: Thesaurus,
    reading: Reading,
    used: set[int],
    spans: list[tuple[int, int]],
) -> None:
    in_names = {k for s, e in spans for k in range(s, e) if e - s > 1}
    for k, word in enumerate(words):
        if k in used or k in in_names or len(word.norm) != 1:
            continue
        token = word.norm[0]
        verbs = set(lemmas(token).get("VERB", ()))
        # An inflected verb is not generic for the item's first event ("signs"), but a
        # second event must be specific ("Resolve outstanding issues …").
        inflected = verbs and token not in verbs and reading.event is None
        generic = token in thesaurus.generic and not inflected
        if generic or verbs & _NOT_EVENTS or token in _NOT_EVENTS:
            continue  # an inflected verb is never generic: "signs", but "clear" is
        if not verbs and k and word.joined and "ADJ" in lemmas(words[k - 1].raw):
            continue  # the noun of a compound: "provisional application" is no request
        if _modifies(words, k):
            continue  # a noun before a noun: "export quota" is a quota, not an export
        action = action_of(token, thesaurus)
        bare_noun = _after_article(words, k) and token in verbs and not wordforms.event_noun(token)
        if action is None or bare_noun:
            continue  # "The Commission said": a bare verb after an article is a noun
        if action.name == "pledge" and k + 1 < len(words) and words[k + 1].raw.lower() == "to":
            continue  # "has promised to replace": the promise is a cue, the event comes next
        if reading.event is None:
            reading.event, reading.event_word, reading.event_at = action, token, k
        elif action.name != reading.event.name and verbs and _verb_slot(words, k):
            reading.also.append(action)  # "vote … to ask": a second verb, not a noun
        else:
            continue
        used.add(k)
        if reading.also:
            return


def _after_article(words: list[_Word], k: int) -> bool:
    return k > 0 and words[k - 1].raw.lower() in ("the", "a", "an")


def _modifies(words: list[_Word], k: int) -> bool:
    if k + 1 >= len(words) or not words[k + 1].joined or len(words[k + 1].norm) != 1:
        return False
    here, after = lemmas(words[k].norm[0]), lemmas(words[k + 1].norm[0])
    gerund = words[k].norm[0].endswith("ing")  # "hiring rules", "shipping costs"
    if gerund and "NOUN" not in here:
        return "NOUN" in after
    return "NOUN" in here and "NOUN" in after and "VERB" not in after


def _verb_slot(words: list[_Word], k: int) -> bool:
    """A word after "to" ("whether to ask"), or a verb form that is no noun ("referred")."""
    if k and words[k - 1].raw.lower() == "to":
        return True
    return "NOUN" not in lemmas(words[k].norm[0])


def _content_terms(words: list[_Word], used: set[int], thesaurus: Thesaurus) -> list[Term]:
    """Compounds of nouns, hyphenated phrases and single content words, in item order."""
    out: list[Term] = []
    k = 0
    while k < len(words):
        run: list[str] = []
        while k < len(words) and k not in used and _content(words[k], thesaurus):
            run += list(words[k].norm)
            k += 1
            if len(words[k - 1].norm) > 1 or not _joins(words, k, used, thesaurus):
                break
        while run and run[-1] in thesaurus.generic:
            run.pop()  # "sanctions-related" → sanctions
        if not run:
            k += 1
            continue
        kind = "compound" if len(run) > 1 else "word"
        words_ = tuple(run)
        forms = wordforms.forms(words_, thesaurus)
        broader: tuple[QTerm, ...] = ()
        if kind == "compound":
            pos = lemmas(words_[0])
            if "NOUN" in pos and "ADJ" not in pos and len(words_[0]) >= 4:
                # "farm groups": farmers; "lithium refinery deal": the refinery too (a
                # modifier the other items share is dropped where the query is built)
                broader += tuple(
                    QTerm((w,), prefix=True)
                    for w in words_[:-1]
                    if len(w) >= 4 and "NOUN" in lemmas(w)
                )
            elif "ADJ" in pos and len(words_[-1]) >= 4:
                broader += wordforms.forms(words_[-1:], thesaurus)  # "legal opinion": the opinion
        out.append(Term(words_, kind, forms, wordforms.near(words_), broader, k - 1))
    return out


def _content(word: _Word, thesaurus: Thesaurus) -> bool:
    if not word.norm or not any(c.isalpha() for c in word.raw):
        return False
    joined = " ".join(word.norm)
    if joined in thesaurus.generic or (len(word.norm) == 1 and joined in _STOP | _CALENDAR):
        return False
    if all(t.isdigit() or t in thesaurus.generic or t in _STOP for t in word.norm):
        return False  # "mid-2026", "2026/27"
    if len(word.norm) > 1 and any(t.isdigit() for t in word.norm):
        return False  # a measure: "250,000-tonne-a-year", "15-year"
    pos = lemmas(joined) if len(word.norm) == 1 else {}
    if "VERB" in pos and "NOUN" not in pos and "ADJ" not in pos:
        return False  # a verb form: "signaled", "bypass"; the event is found apart
    if set(pos.get("VERB", ())) & _NOT_EVENTS:
        return False
    return len(joined) >= 3


def _joins(words: list[_Word], k: int, used: set[int], thesaurus: Thesaurus) -> bool:
    """Whether word ``k`` continues a compound: a noun after an adjective or a noun."""
    if k >= len(words) or k in used or not _content(words[k], thesaurus):
        return False
    if len(words[k].norm) != 1 or not words[k].joined:
        return False
    prev = lemmas(words[k - 1].norm[-1])
    here = lemmas(words[k].norm[0])
    return bool(("ADJ" in prev or "NOUN" in prev) and "NOUN" in here)


def is_org(words: tuple[str, ...]) -> bool:
    """'European Court of Justice', 'Development Bank of Mongolia': an institution's name."""
    return len(words) > 1 and ("of" in words or words[-1] in _ORG_WORDS)


def _name(phrase: tuple[str, ...], thesaurus: Thesaurus) -> Term:
    """A name; an institution's also without its leading country word ("court of justice")."""
    forms = [QTerm(phrase)]
    if not is_org(phrase):
        return Term(phrase, "name", tuple(forms))
    head = phrase[phrase.index("of") - 1 :] if "of" in phrase[1:] else phrase[1:]
    first = {t.words for terms in thesaurus.own_actors.values() for t in terms if len(t.words) == 1}
    if (phrase[0],) in first and len(head) > 1:
        forms.append(QTerm(head))  # "court of justice"
    initials = "".join(w[0] for w in phrase if w not in _CONNECTORS)
    if len(initials) >= 3:
        forms.append(QTerm((initials,)))  # "ecj"
    noun = head[0] if "of" in head else head[-1]
    # The bare noun in its inflections: "top EU court", "the European courts".
    return Term(phrase, "org", tuple(forms), broader=wordforms.forms((noun,), thesaurus))

"""The watched event of an indicator, and where it is named in a sentence (its trigger).

Modality is decided on the indicator's own event. The event classes (sign,
deliver, lift, halt, …) are data in ``events.yaml``, each with its reversal and whether it is
itself an ending; word forms come from lemminflect, not hand lists. An indicator's event is
read from its title (``event_from_title``) or given in the watch list's ``event:`` block;
``find_triggers`` then marks, in the tokens of a sentence, the words that name the event or
its reversal, and the form of each (past, base, present, gerund, noun), from which
``indicators.modality`` judges it. Pure: no I/O beyond reading the packaged lexicon once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from importlib import resources

import yaml

from indicators import forms as word_forms
from indicators.text import tokenize

__all__ = [
    "Event",
    "EventClass",
    "Form",
    "Lexicon",
    "Role",
    "Trigger",
    "event_from_title",
    "find_triggers",
    "is_verb",
    "lexicon",
    "parse_classes",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class Form(StrEnum):
    """The grammatical form of a trigger word, which says most about its modality."""

    PAST = "past"  # signed, lifted (past tense or participle)
    BASE = "base"  # sign, lift (after "to", a modal, or a headline subject)
    PRESENT = "present"  # signs, lifts (headline present: a past event)
    GERUND = "gerund"  # signing (a verb-noun: its governing words decide)
    NOUN = "noun"  # signature, delivery, ban


class Role(StrEnum):
    EVENT = "event"  # the watched event itself
    REVERSAL = "reversal"  # its undoing: cancel a signing, reimpose a lifted ban


@dataclass(frozen=True)
class EventClass:
    """One class of the lexicon (``events.yaml`` documents the fields)."""

    name: str
    verbs: tuple[str, ...]
    nouns: tuple[str, ...] = ()
    reversal: tuple[str, ...] = ()
    reversal_nouns: tuple[str, ...] = ()
    ending: bool = False
    durative: bool = False  # goes on over time: "are protesting", "is buying" = occurring
    decrease: bool = False  # the event is a fall: "inflation rose" is its failure
    by_decision: bool = False  # deciding it is doing it: "voted to refer" = referred


@dataclass(frozen=True)
class Event:
    """What an indicator watches for: its main action class, other action classes named in
    its title, the object words and the actors."""

    action: str
    object: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    also: tuple[str, ...] = ()
    # An event of no class ("Flood damage to the railway"): the words that name it, which
    # say where in a sentence it is, if not how it went.
    head: tuple[str, ...] = ()

    @property
    def actions(self) -> tuple[str, ...]:
        return (self.action, *self.also) if self.action else self.also


@dataclass(frozen=True)
class Trigger:
    """Tokens ``start:end`` of a sentence name the event (or its reversal) in ``form``."""

    start: int
    end: int
    role: Role
    form: Form
    action: str
    ending: bool
    durative: bool = False
    decrease: bool = False
    by_decision: bool = False


# Surface form (a tuple of tokens) -> the forms it may take. Verbs and nouns share words
# ("ban", "lift", "sign"), so a form can be both; context decides (``_resolve``).
_Forms = dict[tuple[str, ...], set[Form]]


def _verb_forms(lemma: str) -> _Forms:
    words = tokenize(lemma)
    head, rest = words[0], tuple(words[1:])
    found: _Forms = {(head, *rest): {Form.BASE}}
    for form, names in word_forms.verb_forms(head).items():
        for word in tokenize(form):
            found.setdefault((word, *rest), set()).update(Form(n) for n in names)
    if head.endswith("ise"):  # British spellings lemminflect does not list
        stem = head[:-1]
        for suffix, form_name in (("es", Form.PRESENT), ("ed", Form.PAST), ("ing", Form.GERUND)):
            found.setdefault((stem + suffix, *rest), set()).add(form_name)
    return found


def _noun_forms(noun: str) -> _Forms:
    words = tuple(tokenize(noun))
    found: _Forms = {words: {Form.NOUN}}
    for form in word_forms.noun_forms(words[-1]):
        found.setdefault((*words[:-1], form), set()).add(Form.NOUN)
    return found


@dataclass(frozen=True)
class _Surface:
    """Every form of one class's words, for one role, indexed by its first token."""

    by_first: Mapping[str, tuple[tuple[tuple[str, ...], frozenset[Form]], ...]]


def _surface(verbs: Sequence[str], nouns: Sequence[str]) -> _Surface:
    merged: _Forms = {}
    for lemma in verbs:
        for words, forms in _verb_forms(lemma).items():
            merged.setdefault(words, set()).update(forms)
    for noun in nouns:
        for words, forms in _noun_forms(noun).items():
            merged.setdefault(words, set()).update(forms)
    by_first: dict[str, list[tuple[tuple[str, ...], frozenset[Form]]]] = {}
    for words, forms in merged.items():
        by_first.setdefault(words[0], []).append((words, frozenset(forms)))
    return _Surface({k: tuple(sorted(v, key=lambda e: -len(e[0]))) for k, v in by_first.items()})


@dataclass(frozen=True)
class Lexicon:
    """The event classes, with their surface forms computed once."""

    classes: Mapping[str, EventClass]
    _event: Mapping[str, _Surface] = field(default_factory=dict, repr=False)
    _reversal: Mapping[str, _Surface] = field(default_factory=dict, repr=False)
    _firsts: dict[Event, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, classes: Mapping[str, EventClass]) -> Lexicon:
        return cls(
            dict(classes),
            {n: _surface(c.verbs, c.nouns) for n, c in classes.items()},
            {n: _surface(c.reversal, c.reversal_nouns) for n, c in classes.items()},
        )

    def first_tokens(self, event: Event) -> frozenset[str]:
        """Every word a trigger of ``event`` (or of its reversal) can start with."""
        found = self._firsts.get(event)
        if found is None:
            words: set[str] = set(_head_forms(event.head)) if event.head else set()
            names = [*event.actions, *(["cancel"] if event.head else [])]
            for name in names:
                for table in (self._event, self._reversal):
                    if name in table:
                        words.update(table[name].by_first)
            found = frozenset(words)
            if len(self._firsts) > 10_000:  # bound the memory over many watch lists
                self._firsts.clear()
            self._firsts[event] = found
        return found

    def with_classes(self, extra: Mapping[str, EventClass]) -> Lexicon:
        """This lexicon with a watch list's own classes added (or replacing built-in ones)."""
        return Lexicon.build({**self.classes, **extra}) if extra else self

    def classify(self, word: str) -> EventClass | None:
        """The first class (in lexicon order) one of whose words ``word`` is a form of."""
        toks = tuple(tokenize(word))
        if not toks:
            return None
        for name, surface in self._event.items():
            if any(words == toks for words, _ in surface.by_first.get(toks[0], ())):
                return self.classes[name]
        return None

    def forms(self, name: str) -> tuple[str, ...]:
        """Every normalised surface form of class ``name`` (verbs inflected, and nouns)."""
        surface = self._event[name]
        return tuple(
            sorted(" ".join(w) for entries in surface.by_first.values() for w, _ in entries)
        )

    def match_at(
        self, toks: Sequence[str], i: int, name: str, role: Role
    ) -> tuple[int, frozenset[Form]] | None:
        """The longest form of ``name`` (as ``role``) starting at ``toks[i]``: (end, forms)."""
        surface = (self._event if role is Role.EVENT else self._reversal).get(name)
        if surface is None:
            return None
        for words, forms in surface.by_first.get(toks[i], ()):
            if tuple(toks[i : i + len(words)]) == words:
                return i + len(words), forms
        return None


def _as_words(value: object, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"{what} must be a word or a list of words")


_FLAGS = ("ending", "durative", "decrease", "by_decision")
_CLASS_KEYS = frozenset({"verbs", "nouns", "reversal", "reversal_nouns", *_FLAGS})


def parse_classes(raw: object) -> dict[str, EventClass]:
    """Event classes from YAML data (``events.yaml``, or a watch list's ``events:``)."""
    if not isinstance(raw, dict):
        raise ValueError("event classes must be a mapping of class name to its words")
    classes: dict[str, EventClass] = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not isinstance(spec, dict):
            raise ValueError(f"event class {name!r}: expected a mapping with verbs: [...]")
        unknown = set(spec) - _CLASS_KEYS
        if unknown:
            raise ValueError(f"event class {name!r}: unknown key {sorted(unknown)[0]!r}")
        verbs = _as_words(spec.get("verbs"), f"event class {name!r}: verbs")
        if not verbs:
            raise ValueError(f"event class {name!r}: needs at least one verb")
        flags = [spec.get(k, False) for k in _FLAGS]
        if not all(isinstance(f, bool) for f in flags):
            raise ValueError(f"event class {name!r}: {', '.join(_FLAGS)}: true or false")
        classes[name] = EventClass(
            name,
            verbs,
            _as_words(spec.get("nouns"), f"event class {name!r}: nouns"),
            _as_words(spec.get("reversal"), f"event class {name!r}: reversal"),
            _as_words(spec.get("reversal_nouns"), f"event class {name!r}: reversal_nouns"),
            *flags,
        )
    return classes


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The built-in lexicon (``indicators/events.yaml``), built once per process."""
    text = resources.files("indicators").joinpath("events.yaml").read_text("utf-8")
    return Lexicon.build(parse_classes(yaml.safe_load(text)))


# Words of a title that name an action only when nothing more specific does ("joint
# projects", "talks", "report"): as nouns they are usually the object, not the event.
_WEAK = _words("""project projects set form take order hold find show present table file issue clear
    pass report reports study studies talks session summit visit access start release
    end ease sanction order orders develop build commission deal states""")


def _is_weak(word: str) -> bool:
    return word in _WEAK or (word.endswith("s") and word[:-1] in _WEAK)


_TITLE_SKIP = _words("a an the of on in for to and or with by at from between its their")


def event_from_title(title: str, lex: Lexicon | None = None) -> Event | None:
    """The event a title names: the class of its first action word (a weak word only when
    there is no other), the classes of later words used as verbs ("whether to ask",
    "could seek"), and the remaining content words as the object. None when the title names
    no action of the lexicon."""
    lex = lex or lexicon()
    toks = tokenize(title)
    strong: list[tuple[int, int, str]] = []
    weak: list[tuple[int, int, str]] = []
    i = 0
    while i < len(toks):
        hit = _class_at(lex, toks, i)
        if hit is None:
            i += 1
            continue
        end, name = hit
        head = i == 0 and end < len(toks) and toks[end] == "of"  # "End of the probe"
        if not _names_action(lex, toks, i, name):
            pass  # "roadmap for high-technology exports": a plural noun, not the action
        elif head or not _is_weak(toks[i]):
            strong.append((i, end, name))
        elif i == 0 or _verb_position(toks, i):  # "Release of …", "… to end the probe"
            weak.append((i, end, name))
        i = end
    if not strong and not weak:
        return _headed(toks)
    main = (strong or weak)[0]
    names = [main[2]]
    used = set(range(main[0], main[1]))
    ending = lex.classes[main[2]].ending  # "Removal of the tariff": the tariff is its object
    for start, end, name in strong[1:]:
        named = _verb_position(toks, start) or (not ending and _noun_only(lex, toks, start, name))
        if named and name not in names:
            names.append(name)
            used.update(range(start, end))
    obj = tuple(t for k, t in enumerate(toks) if k not in used and t not in _TITLE_SKIP)
    return Event(names[0], obj, (), tuple(names[1:]))


_PREPOSITIONS = _words("of on to in against for by with between from at over into")
_HEAD_REACH = 3  # "Flood damage to …", "Court injunction against …": a short head


def _headed(toks: Sequence[str]) -> Event | None:
    """The event of a title naming no action of the lexicon: by its head words (before the
    first preposition, if that comes early), or by its words alone."""
    for k, tok in enumerate(toks[: _HEAD_REACH + 1]):
        if tok in _PREPOSITIONS:
            head = tuple(t for t in toks[:k] if t not in _TITLE_SKIP and len(t) > 2)
            obj = tuple(t for t in toks[k:] if t not in _TITLE_SKIP)
            return Event("", obj, head=head) if head else None
    obj = tuple(t for t in toks if t not in _TITLE_SKIP)
    return Event("", obj) if obj else None  # no action: its words still say what it is about


_VERB_BEFORE = _words("to and or will would could may might can should must")


def _names_action(lex: Lexicon, toks: Sequence[str], i: int, name: str) -> bool:
    """Whether a title word of class ``name`` names the action: a noun of the event
    ("delivery", "ban"), a verb-noun ("signing"), a participle ("adopted"), or a verb where
    a verb stands (first word, after "to" or a modal, or a plural verb: "governments
    oppose"); not a third-person form read as a plural noun ("high-technology exports")."""
    hit = lex.match_at(toks, i, name, Role.EVENT)
    if hit is None:
        return False
    forms = hit[1]
    after = toks[hit[0]] if hit[0] < len(toks) else ""
    if forms & {Form.NOUN, Form.PAST} or i == 0 or _verb_position(toks, i):
        return True
    if Form.GERUND in forms:  # "the signing of", not "Red Sea shipping"
        return after == "of" or toks[i - 1] in _DETERMINERS
    prev = toks[i - 1]
    return Form.BASE in forms and prev not in _DETERMINERS


def _noun_only(lex: Lexicon, toks: Sequence[str], i: int, name: str) -> bool:
    """Whether ``toks[i]`` can only be a noun of class ``name`` ("application", "signing"
    as a noun is also a verb form): an event named as the object of another ("seek
    provisional application") is watched too."""
    hit = lex.match_at(toks, i, name, Role.EVENT)
    return hit is not None and hit[1] == frozenset({Form.NOUN})


def _verb_position(toks: Sequence[str], i: int) -> bool:
    """Whether ``toks[i]`` reads as a verb: after "to", "and" or a modal."""
    return i > 0 and toks[i - 1] in _VERB_BEFORE


def _class_at(lex: Lexicon, toks: Sequence[str], i: int) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for name in lex.classes:
        hit = lex.match_at(toks, i, name, Role.EVENT)
        if hit is not None and (best is None or hit[0] > best[0]):
            best = (hit[0], name)
    return best


def find_triggers(
    toks: Sequence[str], event: Event, lex: Lexicon, *, headline: bool = False
) -> list[Trigger]:
    """The words of ``toks`` naming ``event`` or its reversal, left to right, longest first
    (a word that is a noun and a verb reads as a verb in a headline, a noun in body text)."""
    found: list[Trigger] = []
    head = _head_forms(event.head) if event.head else {}
    firsts = lex.first_tokens(event)
    i = 0
    while i < len(toks):
        if toks[i] not in firsts:  # most words start no form of the event: one lookup
            i += 1
            continue
        best: Trigger | None = None
        if toks[i] in head:
            best = Trigger(i, i + 1, Role.EVENT, Form.NOUN, "", False, durative=True)
        elif event.head and "cancel" in lex.classes:  # a classless event is undone too
            undo = lex.match_at(toks, i, "cancel", Role.EVENT)
            if undo is not None:
                form = _resolve(toks, i, undo[1], headline)
                best = Trigger(i, undo[0], Role.REVERSAL, form, "", False)
        for name in event.actions:
            cls = lex.classes.get(name)
            if cls is None:
                continue
            for role in (Role.REVERSAL, Role.EVENT):
                hit = lex.match_at(toks, i, name, role)
                if hit is None or _not_a_trigger(toks, i, role, event):
                    continue
                if best is None or hit[0] > best.end:
                    form = _resolve(toks, i, hit[1], headline)
                    best = Trigger(
                        i,
                        hit[0],
                        role,
                        form,
                        name,
                        cls.ending,
                        cls.durative,
                        cls.decrease,
                        cls.by_decision,
                    )
        if best is None:
            i += 1
        else:
            found.append(best)
            i = best.end
    return found


_DETERMINERS = _words("the a an its their his her this that these those our any no new first final")
_PRE_VERB = _words(
    "to will would could may might shall should must can cannot wont didnt dont doesnt not"
)
# After a plural noun, not after a verb: "oil imports from Russia", "imports are to rise".
_AFTER_NOUN = _words(
    """of from to in at for by on under with are is were was will have has could may might
    would should hit rose fell rise fall jump jumped surge surged slump slumped decline
    declined likely set expected this last"""
)
_BE = _words("is are was were be been being has have had")


# "by the end of May": a time, not an ending.
_TIME_BEFORE = _words("by at before until till towards toward from around near since after")


_STAYS = frozenset({"remain", "remains", "remained", "stay", "stays", "stayed"})


def _not_a_trigger(toks: Sequence[str], i: int, role: Role, event: Event) -> bool:
    """A word of the lexicon that does not name the event here: a time ("by the end of
    the year"), or a reversal word that is part of what is watched ("end quantitative
    tightening": "tightening" is the thing ended, not a tightening of it)."""
    if toks[i] == "end" and i >= 2 and toks[i - 1] == "the" and toks[i - 2] in _TIME_BEFORE:
        return True
    if role is Role.REVERSAL and toks[i] in _STAYS and i + 1 < len(toks):
        # "layoffs remained suspended": the ending goes on, it is not undone
        nxt = toks[i + 1]
        if nxt.endswith("ed") or nxt in ("shut", "cut", "set"):
            return True
    return role is Role.REVERSAL and toks[i] in event.object


@lru_cache(maxsize=1024)
def _head_forms(head: tuple[str, ...]) -> dict[str, str]:
    """Regular inflections of the head words of a classless event ("attack" -> "attacks",
    "attacked"): any noun of a title, where lemminflect's tables would cost more than they
    add (``indicators.forms``)."""
    found: dict[str, str] = {}
    for word in head:
        for form in sorted(word_forms.regular_forms(word)):
            found.setdefault(form, word)
    return found


def _resolve(toks: Sequence[str], i: int, forms: frozenset[Form], headline: bool) -> Form:
    """One form for an ambiguous word, from the word before it ("the ban" is a noun, "to
    ban" a verb, "has cut" a participle, "to cut" a base form); otherwise a verb in a
    headline ("EU, Mercosur sign pact") and a noun in body text ("a surprise vote")."""
    if len(forms) == 1:
        return next(iter(forms))
    prev = toks[i - 1] if i > 0 else ""
    if Form.BASE in forms and (prev in _PRE_VERB or (headline and Form.PAST in forms)):
        return Form.BASE  # "to cut"; a headline's "cut" is present ("X cuts" reads past)
    if prev in _BE and Form.PAST in forms:
        return Form.PAST
    after = toks[i + 1] if i + 1 < len(toks) else ""
    verb_next = after in _DETERMINERS or after[:1].isdigit()  # "cut the fees", "cut 20%"
    if Form.NOUN in forms and (
        prev in _DETERMINERS or after in _AFTER_NOUN or not (headline or verb_next)
    ):
        return Form.NOUN
    for form in (Form.PAST, Form.PRESENT, Form.BASE, Form.GERUND, Form.NOUN):
        if form in forms:
            return form
    return Form.NOUN


def is_verb(word: str) -> bool:
    """Whether ``word`` is the base form of an English verb lemminflect knows."""
    return word in word_forms.verbs()

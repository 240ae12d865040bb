"""The event model (indicators.events) and modality judged on the event's trigger.

Two parts: the lexicon and titles (unit tests), and polarity composition as properties over
every class of the lexicon: a done event is occurred, a planned one anticipated, one not yet
done negated, and its reversal negated and undone, whether or not the event is itself an
ending ("reimposes the ban" undoes a lifting: an ending of an ending is a negation).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lemminflect import getInflection

from indicators.events import Event, Form, Role, event_from_title, find_triggers, lexicon
from indicators.loader import read_watchlist_text
from indicators.matcher import Matcher
from indicators.model import Indicator, Item, Modality
from indicators.text import tokenize

OCC, ANT, NEG = Modality.OCCURRED, Modality.ANTICIPATED, Modality.NEGATED


@pytest.mark.parametrize(
    ("title", "action"),
    [
        ("Lifting of the export ban on cobalt", "remove"),
        ("Halt of arms transfers to the Gulf", "halt"),
        ("End of the anti-dumping probe into steel wire", "remove"),
        ("Signing of a new gas supply contract", "sign"),
        ("Parliament will vote on whether to ask the court for an opinion", "vote"),
        ("Farm groups and several governments oppose the deal", "oppose"),
        ("Postponement of the AI Act's obligations", "postpone"),
        ("Revocation of mining licences in Guinea", "cancel"),
        ("Growth of electric vehicle exports", "increase"),
    ],
)
def test_event_from_title(title: str, action: str) -> None:
    event = event_from_title(title)
    assert event is not None
    assert event.action == action


def test_title_without_an_action_keeps_its_head_words() -> None:
    event = event_from_title("Flood damage to the coastal railway")
    assert event is not None
    assert event.action == ""
    assert event.head == ("flood", "damage")


def test_a_plural_noun_in_a_title_is_not_the_action() -> None:
    event = event_from_title("Clear roadmap for high-technology exports")
    assert event is not None
    assert event.action != "deliver"


def test_forms_come_from_lemminflect() -> None:
    forms = lexicon().forms("sign")
    assert {"signed", "signs", "signing", "inked", "signature"} <= set(forms)


def test_triggers_mark_event_and_reversal() -> None:
    event = Event("remove", ("export", "ban", "cobalt"))
    toks = tokenize("Kinshasa reimposes the ban it suspended in March")
    found = find_triggers(toks, event, lexicon())
    assert [(toks[t.start], t.role, t.form) for t in found] == [
        ("reimposes", Role.REVERSAL, Form.PRESENT),
        ("suspended", Role.EVENT, Form.PAST),
    ]


def test_a_time_is_not_an_ending() -> None:
    event = Event("buy", ("soybeans",))
    toks = tokenize("China will buy soybeans by the end of the year")
    assert [toks[t.start] for t in find_triggers(toks, event, lexicon())] == ["buy"]


def _verdict(title: str, query: str, text: str, *, headline: bool = False) -> tuple[str, bool]:
    matcher = Matcher([Indicator(id="x", title=title, query=query)])
    item = Item("1", text, "") if headline else Item("1", "Update", text)
    found = matcher.match(item)
    assert found, f"{query!r} does not match {text!r}"
    return found[0].modality.value, found[0].undone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Parliament voted to refer the pact to the court.", "occurred"),
        ("The decision to refer the pact to the court was approved by 10 votes.", "occurred"),
        ("MEPs dealt the pact a blow, voting to refer it to the court.", "occurred"),
        ("MEPs will vote on whether to refer the pact to the court.", "anticipated"),
        ("Parliament plans to refer the pact to the court.", "anticipated"),
    ],
)
def test_a_decision_to_refer_is_the_referral(text: str, expected: str) -> None:
    # ``by_decision`` (request): the reported decision performs the act
    title = "Request for a court opinion on the pact"
    assert _verdict(title, "refer* court", text)[0] == expected


def test_a_decision_to_sign_is_not_a_signing() -> None:
    # sign has no ``by_decision``: the signing is another, later act
    verdict = _verdict("Signing of the pact", "sign* pact", "Leaders decided to sign the pact.")
    assert verdict[0] == "anticipated"


def test_by_decision_must_be_true_or_false() -> None:
    text = (
        "id: t\ntitle: t\nevents:\n  refer2:\n    verbs: [refer]\n    by_decision: maybe\n"
        "indicators:\n  - id: a\n    title: A\n    query: a\n"
    )
    watchlist, findings = read_watchlist_text(text, "t.yaml")
    assert watchlist is None
    assert any("by_decision: true or false" in str(f.error) for f in findings)


@pytest.mark.parametrize(
    ("headline", "trigger"),
    [
        ("France balks at the rail pact", "balks"),
        ("Farmers revolt against the rail pact", "revolt"),
        ("Pushback grows over the rail pact", "pushback"),
    ],
)
def test_opposition_said_in_other_words(headline: str, trigger: str) -> None:
    matcher = Matcher([Indicator(id="x", title="Farmers oppose the rail pact", query="pact")])
    found = matcher.match(Item("1", headline, ""))
    assert (found[0].trigger, found[0].modality) == (trigger, OCC)


@pytest.mark.parametrize(
    ("title", "query", "text", "expected"),
    [
        # an ending that stays in force is the event, not its reversal
        ("Suspension of the layoffs", "layoff*", "The layoffs remained suspended.", (OCC, False)),
        ("Lifting of the export ban", "ban", "The export ban remains in place.", (NEG, True)),
        # "without" + the event named as a thing
        (
            "Signing of the rail pact",
            "pact",
            "The deadline for the pact passed without a signature.",
            (NEG, False),
        ),
        # a planned event's noun is governed by its predicate
        (
            "Signing of the pact",
            "pact",
            "The planned signing of the pact was postponed.",
            (NEG, False),
        ),
        (
            "Signing of the pact",
            "pact",
            "The planned signing of the pact is set for May.",
            (ANT, False),
        ),
        (
            "Signing of the pact",
            "pact",
            "The planned signing of the pact went ahead.",
            (OCC, False),
        ),
        (
            "Signing of the pact",
            "pact",
            "The planned signing of the pact took place.",
            (OCC, False),
        ),
        (
            "Signing of the pact",
            "pact",
            "The signing of the pact will take place soon.",
            (ANT, False),
        ),
        # "as" + a determiner opens a clause: the halt is not the strike's
        (
            "A general strike by the unions",
            "strike",
            "Fuel deliveries halted as the general strike continued.",
            (OCC, False),
        ),
    ],
)
def test_stays_and_without(
    title: str, query: str, text: str, expected: tuple[Modality, bool]
) -> None:
    matcher = Matcher([Indicator(id="x", title=title, query=query)])
    found = matcher.match(Item("1", "Update", text))
    assert (found[0].modality, found[0].undone) == expected


def test_event_block_and_watch_list_classes() -> None:
    text = """
id: t
title: t
events:
  berth:
    verbs: [berth, dock]
    nouns: [berthing]
    reversal: [turn away]
indicators:
  - id: ship-calls
    title: Port calls by the survey ship
    query: ship*
    event: {action: berth, object: [survey ship]}
"""
    watchlist, findings = read_watchlist_text(text, "t.yaml")
    assert watchlist is not None, findings
    matcher = Matcher(watchlist.indicators)
    done = matcher.match(Item("1", "Survey ship docks at Colombo", ""))
    refused = matcher.match(Item("1", "Update", "Colombo turned away the survey ship."))
    assert (done[0].modality, done[0].trigger) == (OCC, "docks")
    assert (refused[0].modality, refused[0].undone) == (NEG, True)


def test_event_block_with_an_unknown_action_is_an_error_at_its_line() -> None:
    text = (
        "id: t\ntitle: t\nindicators:\n  - id: a\n    title: Zorblat deal\n"
        "    query: zorblat\n    event: {action: frobnicate}\n"
    )
    watchlist, findings = read_watchlist_text(text, "t.yaml")
    errors = [str(f.error) for f in findings if f.severity == "error"]
    assert watchlist is None
    assert errors == [errors[0]]
    assert errors[0].startswith("t.yaml:7:21: indicator 'a': event action 'frobnicate'")


# Polarity composition, over every class of the lexicon ------------------------------------

_CLASSES = sorted(
    (c for c in lexicon().classes.values() if c.reversal and " " not in c.verbs[0]),
    key=lambda c: c.name,
)


def _past(lemma: str) -> str:
    return (getInflection(lemma, tag="VBD") or (lemma + "ed",))[0]


@settings(max_examples=150, deadline=None)
@given(cls=st.sampled_from(_CLASSES), data=st.data())
def test_polarity_composes_with_the_event(cls: object, data: st.DataObject) -> None:
    from indicators.events import EventClass

    assert isinstance(cls, EventClass)
    verb = data.draw(st.sampled_from([v for v in cls.verbs if " " not in v]))
    undo = data.draw(st.sampled_from([v for v in cls.reversal if " " not in v]))
    title = f"{verb.capitalize()} of the zorblat"
    block = Indicator(id="x", title=title, query="zorblat", event=Event(cls.name, ("zorblat",)))
    matcher = Matcher([block])

    def verdict(text: str) -> tuple[Modality, bool]:
        found = matcher.match(Item("1", "Update", text))
        return found[0].modality, found[0].undone

    # the event done, planned, not yet done; whether or not it is itself an ending
    assert verdict(f"Officials {_past(verb)} the zorblat on Monday.") == (OCC, False)
    assert verdict(f"Officials plan to {verb} the zorblat next year.") == (ANT, False)
    assert verdict(f"Officials have yet to {verb} the zorblat.") == (NEG, False)
    # its reversal is a negation, and the event undone; an ending of an ending included
    assert verdict(f"Officials {_past(undo)} the zorblat on Monday.") == (NEG, True)
    # a planned undoing is bad news for the event, but it is not undone yet
    assert verdict(f"Officials plan to {undo} the zorblat next year.") == (NEG, False)


def test_forms_data_is_what_lemminflect_gives_now() -> None:
    """``indicators/data/forms.json`` caches lemminflect's forms (it is too heavy to load in
    the daemon and every worker); it must equal a fresh computation, so a change to the
    lexicon or to lemminflect shows here: ``python -m indicators.forms`` rewrites it."""
    from indicators import forms

    fresh = forms.compute(*forms.lexicon_words())
    cached = forms._data()
    assert cached["verbs"] == fresh["verbs"]
    assert cached["nouns"] == fresh["nouns"]
    assert cached["base_verbs"] == fresh["base_verbs"]
    assert {"nationalise", "simplify", "hit"} <= forms.verbs()


def test_daemon_path_does_not_load_lemminflect() -> None:
    """Matching with the built-in lexicon needs no lemminflect (and no numpy) in memory."""
    import subprocess
    import sys

    code = (
        "import sys, monitor.pipeline\n"
        "from indicators.matcher import Matcher\n"
        "from indicators.model import Indicator, Item\n"
        "m = Matcher([Indicator('x', 'Lifting of the ban on cobalt', 'cobalt')])\n"
        "m.match(Item('1', 'Kinshasa to lift cobalt ban, ease rules', ''))\n"
        "print(sorted(n for n in sys.modules if n.startswith(('lemminflect', 'numpy'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

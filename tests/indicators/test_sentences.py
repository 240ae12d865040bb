"""Sentence splitting and datelines (indicators.sentences): a table of texts and their pieces."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from typing import Any

import pytest

from indicators.sentences import scan, split_clauses, split_sentences, strip_dateline
from indicators.text import tokenize

SPLITS: list[tuple[str, list[str]]] = [
    # plain boundaries
    ("India signed. Russia agreed.", ["India signed.", "Russia agreed."]),
    ("Will they sign? Nobody knows! Perhaps.", ["Will they sign?", "Nobody knows!", "Perhaps."]),
    ("Really?! Yes.", ["Really?!", "Yes."]),
    ("One sentence without a full stop", ["One sentence without a full stop"]),
    ("", []),
    ("   \n  \n ", []),
    ("Trade rose in 2024. The trend held.", ["Trade rose in 2024.", "The trend held."]),
    ("It grew 12 per cent. 2025 looks better.", ["It grew 12 per cent.", "2025 looks better."]),
    # newlines are boundaries, even without punctuation
    ("Pact signed\nTalks next week", ["Pact signed", "Talks next week"]),
    ("First line.\r\n\r\nSecond line.", ["First line.", "Second line."]),
    (
        "A heading\n\nThe body starts here. It goes on.",
        ["A heading", "The body starts here.", "It goes on."],
    ),
    # abbreviations and titles
    ("Dr. Rao met Mr. Ivanov in Delhi.", ["Dr. Rao met Mr. Ivanov in Delhi."]),
    (
        "Mrs. Sen and Ms. Petrova spoke. Prof. Iyer listened.",
        ["Mrs. Sen and Ms. Petrova spoke.", "Prof. Iyer listened."],
    ),
    (
        "Gen. Volkov and Lt. Col. Mehta inspected the unit.",
        ["Gen. Volkov and Lt. Col. Mehta inspected the unit."],
    ),
    ("The plant in St. Petersburg opened.", ["The plant in St. Petersburg opened."]),
    (
        "Ramesh Kumar Sr. and Anil Kumar Jr. attended.",
        ["Ramesh Kumar Sr. and Anil Kumar Jr. attended."],
    ),
    (
        "The bill was Rs. 450 crore, approx. half the estimate.",
        ["The bill was Rs. 450 crore, approx. half the estimate."],
    ),
    (
        "The Govt. approved it. The govt. also paid.",
        ["The Govt. approved it.", "The govt. also paid."],
    ),
    ("The Foreign Min. Volkov said so.", ["The Foreign Min. Volkov said so."]),
    ("It was India vs. Russia in the final.", ["It was India vs. Russia in the final."]),
    (
        "Fuels, e.g. diesel, and fertilisers, i.e. urea, rose.",
        ["Fuels, e.g. diesel, and fertilisers, i.e. urea, rose."],
    ),
    ("Gate No. 4 opened.", ["Gate No. 4 opened."]),
    # company suffixes and months: a boundary only before a typical opener
    ("Acme Ltd. Chairman Rao spoke.", ["Acme Ltd. Chairman Rao spoke."]),
    (
        "The buyer was Acme Ltd. The seller was Orbit Inc.",
        ["The buyer was Acme Ltd.", "The seller was Orbit Inc."],
    ),
    ("Orbit Corp. and Delta Co. merged.", ["Orbit Corp. and Delta Co. merged."]),
    ("Oil, gas, coal etc. were covered.", ["Oil, gas, coal etc. were covered."]),
    ("They traded oil, gas etc. The list grew.", ["They traded oil, gas etc.", "The list grew."]),
    ("The pact was signed on Dec. 5 in Moscow.", ["The pact was signed on Dec. 5 in Moscow."]),
    ("Talks began in Sept. The deal followed.", ["Talks began in Sept.", "The deal followed."]),
    ("From Jan. to Mar. trade doubled.", ["From Jan. to Mar. trade doubled."]),
    # acronyms with dots
    ("The U.S. objected. The U.K. abstained.", ["The U.S. objected.", "The U.K. abstained."]),
    (
        "Sanctions by the U.S. The move hurt trade.",
        ["Sanctions by the U.S.", "The move hurt trade."],
    ),
    ("The U.N. Secretary-General welcomed it.", ["The U.N. Secretary-General welcomed it."]),
    ("The ship docked at 10 a.m. on Friday.", ["The ship docked at 10 a.m. on Friday."]),
    # initials
    ("S. Jaishankar met Sergey V. Lavrov.", ["S. Jaishankar met Sergey V. Lavrov."]),
    (
        "Vladimir V. Putin will visit. He arrives on Thursday.",
        ["Vladimir V. Putin will visit.", "He arrives on Thursday."],
    ),
    ("A. K. Rao signed for India.", ["A. K. Rao signed for India."]),
    # decimals and money
    (
        "The deal is worth $1.2 bn. It runs 2.5 years.",
        ["The deal is worth $1.2 bn.", "It runs 2.5 years."],
    ),
    ("Trade hit 65.7 billion dollars.", ["Trade hit 65.7 billion dollars."]),
    (
        "The stake rose to 49.13% from 20.5%. Shares fell.",
        ["The stake rose to 49.13% from 20.5%.", "Shares fell."],
    ),
    # ellipses
    ("The talks... continued late.", ["The talks... continued late."]),
    ("He paused… and then signed.", ["He paused… and then signed."]),
    ("The deal… Russia said nothing.", ["The deal…", "Russia said nothing."]),
    # quotes and brackets after the stop
    ('He said "we signed." Then he left.', ['He said "we signed."', "Then he left."]),
    ("He said 'we signed.' Then he left.", ["He said 'we signed.'", "Then he left."]),
    (
        "Officials said “the text is final.” Signing follows.",
        ["Officials said “the text is final.”", "Signing follows."],
    ),
    ('"Why wait?" he asked.', ['"Why wait?" he asked.']),
    (
        "The pact (signed in May.) is public. It covers oil.",
        ["The pact (signed in May.) is public.", "It covers oil."],
    ),
    ('It was signed. "We are glad," he said.', ["It was signed.", '"We are glad," he said.']),
    ('He said: "We signed". Then he left.', ['He said: "We signed".', "Then he left."]),
    # lower case after a stop is not a new sentence
    ("The so-called deal. was never signed", ["The so-called deal. was never signed"]),
    # datelines stay with the first sentence
    (
        "NEW DELHI (Reuters) - India and Russia signed a pact. More may follow.",
        ["NEW DELHI (Reuters) - India and Russia signed a pact.", "More may follow."],
    ),
    (
        "MOSCOW, Dec 5 (Wire) — Rosneft inked a deal. It covers crude.",
        ["MOSCOW, Dec 5 (Wire) — Rosneft inked a deal.", "It covers crude."],
    ),
    ("New Delhi, November 7: The ministers met.", ["New Delhi, November 7: The ministers met."]),
    (
        "NEW DELHI, Nov. 7 (PTI)\nIndia and Russia signed a pact.",
        ["NEW DELHI, Nov. 7 (PTI) India and Russia signed a pact."],
    ),
    ("MOSCOW (Reuters) -\nThe talks ended.", ["MOSCOW (Reuters) - The talks ended."]),
    ("WASHINGTON, D.C. (AP) — The U.S. said no.", ["WASHINGTON, D.C. (AP) — The U.S. said no."]),
    (
        "New Delhi, Nov 7 (PTI)\nTalks ended. Nothing was signed.",
        ["New Delhi, Nov 7 (PTI) Talks ended.", "Nothing was signed."],
    ),
    (
        "VLADIVOSTOK, Russia, Sept 5 (Reuters)\nA port deal was signed.",
        ["VLADIVOSTOK, Russia, Sept 5 (Reuters) A port deal was signed."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


DATELINES: list[tuple[str, str]] = [
    ("NEW DELHI (Reuters) - India signed.", "India signed."),
    ("MOSCOW, Dec 5 (Wire) — Russia agreed.", "Russia agreed."),
    ("New Delhi, November 7: The talks ended.", "The talks ended."),
    ("New Delhi, Nov. 7 (PTI): The talks ended.", "The talks ended."),
    ("MOSCOW, December 5, 2025 (Reuters) -- Talks ended.", "Talks ended."),
    ("Moscow (IANS) – Talks ended.", "Talks ended."),
    ("ST. PETERSBURG, Russia, June 20 (Reuters) - A deal was struck.", "A deal was struck."),
    ("WASHINGTON, D.C. (AP) — Sanctions widened.", "Sanctions widened."),
    ("New Delhi: The minister spoke.", "The minister spoke."),
    ("NEW DELHI, Friday (PTI) - Talks ended.", "Talks ended."),
    ("New Delhi, 7 November 2025: Talks ended.", "Talks ended."),
    # not datelines
    ("Rosneft - the oil major - signed a deal.", "Rosneft - the oil major - signed a deal."),
    ("India and Russia signed a pact.", "India and Russia signed a pact."),
    ("India, Russia sign pact.", "India, Russia sign pact."),
    ("New Delhi and Moscow agreed - finally.", "New Delhi and Moscow agreed - finally."),
]


@pytest.mark.parametrize(("sentence", "expected"), DATELINES)
def test_strip_dateline(sentence: str, expected: str) -> None:
    assert strip_dateline(sentence) == expected


def test_every_piece_is_kept() -> None:
    text = "Dr. A. Rao met Mr. Ivanov. The U.S. objected! Why? 2.5 bn… Done."
    assert "".join(split_sentences(text)).replace(" ", "") == text.replace(" ", "")


def test_many_sentences_are_fast() -> None:
    import time

    text = " ".join(["Dr. S. Rao met Mr. Ivanov in St. Petersburg on Dec. 5 and signed."] * 200)
    start = time.perf_counter()
    assert len(split_sentences(text)) == 200
    assert time.perf_counter() - start < 0.5


# Tokens with breaks, and clauses (used by indicators.modality)

ODD_TEXT = [
    "India's U.S.-backed deal: 10,000 tonnes, $2.5 bn; S-400 (Triumf) — done.",
    "Rupee–rouble trade; the 'special' vostro accounts… didn't work",
    "ﬁnal İstanbul ÉTAT straße 1.2.3 a.m. e.g. Ph.D. it's O'Neill at 10:30",
    "NEW DELHI (Reuters) - a -- b --- c - - d [e] {f} 'g' \"h\"",
    "",
    "   ",
    "—",
]


@pytest.mark.parametrize("text", ODD_TEXT + [row[0] for row in SPLITS])
def test_scan_tokens_are_the_tokenizer_tokens(text: str) -> None:
    assert list(scan(text)[0]) == tokenize(text)


def test_scan_breaks() -> None:
    toks, breaks = scan("India, Russia: 10,000 tonnes of S-400 (parts) - done; at 10:30")
    words = "india russia 10,000 tonnes of s 400 parts done at 10 30"
    assert " ".join(toks) == words
    # after "india" a comma (soft), after "russia" a colon (hard), brackets (soft), a spaced
    # dash (hard), a semicolon (hard); none inside "10,000", "S-400" or "10:30"
    assert breaks == {1: False, 2: True, 7: False, 8: True, 9: True}


Row = tuple[str, int, bool, int]  # the words of a clause, its segment, background, parent


def _clause_words(
    sentence: str, cue_starts: Collection[int] = (), verb_starts: Sequence[int] = ()
) -> list[Row]:
    toks, breaks = scan(sentence)
    clauses = split_clauses(toks, breaks, cue_starts=cue_starts, verb_starts=verb_starts)
    assert clauses[0].start == 0
    assert clauses[-1].end == len(toks)
    assert all(a.end == b.start for a, b in itertools.pairwise(clauses))
    return [(" ".join(toks[c.start : c.end]), c.segment, c.background, c.parent) for c in clauses]


CLAUSES: list[tuple[str, dict[str, Any], list[Row]]] = [
    ("India and Russia signed the pact", {}, [("india and russia signed the pact", 0, False, -1)]),
    (
        "Despite the delays, India and Russia signed the pact",
        {},
        [("despite the delays", 0, True, -1), ("india and russia signed the pact", 1, False, -1)],
    ),
    (
        "Despite the delays India signed the pact",
        {"verb_starts": [4]},
        [("despite the delays india", 0, True, -1), ("signed the pact", 1, False, -1)],
    ),
    (
        "India signed a pact on shipping but talks on payments stalled",
        {},
        [
            ("india signed a pact on shipping", 0, False, -1),
            ("but talks on payments stalled", 1, False, -1),
        ],
    ),
    (
        "India signed the pact after talks in Moscow",
        {},
        [("india signed the pact", 0, False, -1), ("after talks in moscow", 0, True, -1)],
    ),
    (
        "The Kremlin denied reports that India had signed",
        {},
        [("the kremlin denied reports", 0, False, -1), ("that india had signed", 0, False, 0)],
    ),
    (
        "India resumed imports that had been halted",
        {},
        [("india resumed imports", 0, False, -1), ("that had been halted", 0, False, -1)],
    ),
    (
        "India signed a pact and agreed to explore more",
        {"cue_starts": {1, 5}},
        [("india signed a pact", 0, False, -1), ("and agreed to explore more", 0, False, -1)],
    ),
    (
        "India and Russia signed",
        {"cue_starts": {3}},
        [("india and russia signed", 0, False, -1)],
    ),
    (
        "Putin visit: India, Russia to sign pacts ahead of the summit",
        {},
        [
            ("putin visit", 0, False, -1),
            ("india", 1, False, -1),
            ("russia to sign pacts", 1, False, -1),
            ("ahead of the summit", 1, False, -1),
        ],
    ),
    (
        "Russia will deliver as long as India pays, while China waits",
        {},
        [
            ("russia will deliver", 0, False, -1),
            ("as long as india pays", 0, True, -1),
            ("while china waits", 1, False, -1),
        ],
    ),
    ("", {}, [("", 0, False, -1)]),
]


@pytest.mark.parametrize(("sentence", "kwargs", "expected"), CLAUSES)
def test_split_clauses(sentence: str, kwargs: dict[str, Any], expected: list[Row]) -> None:
    assert _clause_words(sentence, **kwargs) == expected

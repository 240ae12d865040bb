"""``indicators.extract``: draft watch lists from articles of many shapes (issue 4).

The articles in ``tests/data/articles/`` are short pieces written for these tests, one per
shape (Markdown headings, HTML ``ul``/``ol``, numbered and lettered lists, unicode bullets,
wrapped items, items run together with semicolons, lists without a heading, two lists, no
list at all); the two seed articles are the acceptance cases.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import yaml

from indicators.errors import ExtractionError
from indicators.extract import Draft, extract, render_json, render_yaml, slugify
from indicators.loader import read_watchlist_text
from indicators.matcher import Matcher
from indicators.model import Indicator, Item, Modality
from indicators.query import compile_query, lint_query, parse_query
from indicators.text import html_to_text, tokenize

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "tests" / "data" / "articles"
SEED_DIRS = (ROOT / "seeds" / "articles", Path("/work/shared/seeds"))
SEED_004 = "004_e0db4568ca3cb7ea.txt"
SEED_000 = "000_be04a8af4ee679f9.txt"
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def seed(name: str) -> Path:
    """A seed article: the project's copy in seeds/articles/ if there, else the shared one."""
    for folder in SEED_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise AssertionError(f"seed article {name} is in none of {[str(d) for d in SEED_DIRS]}")


def draft_of(path: Path, published: date | None = None) -> Draft:
    return extract(path.read_text(encoding="utf-8"), source=path.name, published=published)


@functools.cache
def all_drafts() -> list[tuple[str, Draft]]:
    drafts = [(SEED_004, draft_of(seed(SEED_004)))]
    for path in sorted(ARTICLES.iterdir()):
        if path.name not in ERRORS:
            drafts.append((path.name, draft_of(path)))
    return drafts


# --- the seed articles (acceptance) -------------------------------------------------------

WATCH_004 = [
    "Signing of new industrial-technology cooperation agreements between Indian and Russian firms.",
    "Announcement of large-scale joint projects in energy, space or defence with quantifiable"
    " timelines.",
    "Mechanisms to ease trade-finance and bypass sanctions-related bottlenecks.",
    "Clear roadmap for high-technology exports from India to Russia and vice versa.",
]
EXPECTED_004 = [
    "Conduct final tranche of preparatory talks and draft the summit communiqué.",
    "Identify incremental projects to be announced alongside the December summit — for instance,"
    " new industrial or technology cooperation.",
    "Resolve outstanding issues such as energy pricing, defence deliveries, export-licence"
    " approvals and banking arrangements.",
    "Attend to bilateral concerns — for example, India’s sensitivity to non-proliferation"
    " standards, and Russia’s concerns about western pressure and financing.",
]


def test_seed_004_takes_both_watch_lists_and_nothing_else() -> None:
    draft = draft_of(seed(SEED_004))
    by_section: dict[str, list[str]] = {}
    for ind in draft.indicators:
        by_section.setdefault(ind.section, []).append(ind.title)
    assert by_section == {
        "During the visit, the Indian side is expected to:": EXPECTED_004,
        "What to Watch: Indicators of Progress and Deliverables": WATCH_004,
    }
    assert [i.line for i in draft.indicators] == [22, 23, 24, 25, 49, 50, 51, 52]
    assert draft.id == "india-russia-2025"
    assert draft.title.startswith("Diplomatic Visit to Moscow by S. Jaishankar")
    assert draft.expected_by == date(2025, 12, 31)


def test_seed_004_ids_dates_and_notes() -> None:
    draft = draft_of(seed(SEED_004))
    ids = [i.id for i in draft.indicators]
    # Readable ids of a few words: the event and its object (issue 13).
    assert ids[4:] == [
        "sign-industrial-technology",
        "publish-joint-projects",  # "announcement": the event lexicon's class publish
        "trade-finance",
        "deliver-high-technology",  # "exports"
    ]
    assert all(len(i.split("-")) <= 4 for i in ids)
    # "In the run-up to December, key indicators to monitor include:" ties the whole list.
    assert [i.expected_by for i in draft.indicators[4:]] == [date(2025, 12, 31)] * 4
    # In the other list only the item naming "the December summit" has a date.
    assert [i.expected_by for i in draft.indicators[:4]] == [None, date(2025, 12, 31), None, None]
    notes = " ".join(draft.notes)
    for other in ("Key challenges include:", "Several implications stand out:"):
        assert f"other list not taken: '{other}'" in notes
    assert "article dated 2025-11-07" in notes


def test_seed_004_query_requires_the_topic_per_item_and_the_event_per_sentence() -> None:
    signing = draft_of(seed(SEED_004)).indicators[4]
    query = signing.query
    # The topic's actors (India and Russia, from the title) are item-level conditions.
    assert re.search(r'item:\(india OR [^)]*indian OR indians OR "new delhi"\)', query)
    assert re.search(r"item:\(russia OR [^)]*moscow OR kremlin\)", query)
    terms = set(re.findall(r"[\w*]+|\"[^\"]*\"", query))
    # The event in all its forms, and its objects (the compound, the firms).
    for form in ("signing", "signed", "inked", "signature", "firms", '"cooperation agreements"'):
        assert form in terms
    assert '"industrial technology"' in terms
    assert "new" not in terms  # a generic word is never a term ("new delhi" is a phrase)
    assert signing.actions == ("sign",)
    assert signing.actors == ("russia", "india")


def test_seed_004_item_without_event_says_so() -> None:
    draft = draft_of(seed(SEED_004))
    mechanisms = draft.indicators[6]
    assert mechanisms.actions == ()
    assert any("no event word" in n for n in mechanisms.notes)
    assert "item:(" in mechanisms.query  # the topic still holds
    assert "# no event word found in the item" in render_yaml(draft)


def test_seed_000_has_no_list_and_says_what_it_found() -> None:
    with pytest.raises(ExtractionError) as caught:
        draft_of(seed(SEED_000))
    message = str(caught.value)
    assert "no 'what to watch' list section found" in message
    assert "'Putin’s Visit To India In December' (line 3)" in message
    assert "'India and Russia' (line 7)" in message
    assert "expected visit of Russian President" in message  # a sentence with a cue word


# --- articles of many shapes --------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    file: str
    sections: dict[str, list[str]]  # section → item titles, in article order
    expected_by: dict[int, date] = field(default_factory=dict)  # indicator index → date
    draft_id: str = ""
    published: date | None = None


CASES = [
    Case(
        "md_headings.md",
        {
            "What to watch": [
                "Signing of a lithium processing agreement between Brazilian and Argentine"
                " state firms in December.",
                "Announcement of a shared export tariff on lithium carbonate.",
                "Creation of a research fund for sodium and lithium batteries.",
            ]
        },
        {0: date(2025, 12, 31)},
        "argentina-brazil-2025",
    ),
    Case(
        "html_ul.html",
        {
            "Key indicators": [
                "Kenyan and Tanzanian ministers sign a financing memorandum for the"
                " Kisumu–Mwanza link.",
                "A tender for the lake ferry terminals is published by 2030.",
                "Freight rates on the Northern Corridor fall by a tenth & stay there.",
            ]
        },
        {1: date(2030, 12, 31)},
        "kenya-tanzania-2026",
    ),
    Case(
        "html_ol.html",
        {
            "Things to watch": [
                "Congress votes on the copper royalty bill before the winter recess in July.",
                "Mining companies announce delays to expansion projects.",
                "The peso weakens against the dollar after the vote.",
            ]
        },
        {0: date(2026, 7, 31)},
        "chile-2026",
    ),
    Case(
        "numbered_dot.txt",
        {
            "Signposts": [
                "A signed interconnector agreement between Norwegian and Polish grid operators,"
                " with a route across the Baltic.",
                "Polish approval of the landing site near the coast, expected by mid-2026.",
                "A Norwegian export credit for the cable order.",
            ]
        },
        {1: date(2026, 6, 30)},
        "poland-norway-2026",
    ),
    Case(
        "numbered_paren.txt",
        {
            "Before the end of the round, the two governments are expected to:": [
                "agree on a joint fisheries patrol schedule for the disputed waters",
                "exchange draft maps of the continental shelf boundary",
                "set a date for a leaders' meeting next year.",
            ]
        },
        {2: date(2026, 12, 31)},
        "vietnam-2025",
        published=date(2025, 9, 18),
    ),
    Case(
        "lettered.txt",
        {
            "What we’ll be watching": [
                "Whether Canada and Mexico sign a steel quota deal before the August deadline.",
                "A Mexican tariff cut on Canadian pork.",
                "New rules of origin for auto parts.",
            ]
        },
        {0: date(2025, 8, 31)},
        "canada-mexico-2025",
    ),
    Case(
        "bullets_unicode.txt",
        {
            "Indicators": [
                "Japan and the European Union sign a hydrogen supply memorandum.",
                "EU customs guidance on ammonia imports from Japan.",
            ],
            "Things to watch": [
                "A Japanese shipyard order for liquefied hydrogen carriers in September.",
                "Joint certification of low-carbon hydrogen by 2028.",
            ],
        },
        {2: date(2026, 9, 30), 3: date(2028, 12, 31)},
        "japan-european-union-2026",
    ),
    Case(
        "wrapped.md",
        {
            "What to Watch: Indicators of a Thaw": [
                "Gas pricing: a new Turkish–Iranian gas price formula replacing the current"
                " oil-linked one.",
                "A swap arrangement routing Iranian gas to Iraq through Turkish pipelines, by the"
                " end of 2026.",
                "Resumption of direct flights between Tehran and Istanbul.",
            ]
        },
        {1: date(2026, 12, 31)},
        "iran-turkey-2025",
    ),
    Case(
        "semicolons.txt",
        {
            "Key indicators to monitor include:": [
                "a signed refinery investment agreement in December",
                "Pakistani cabinet approval of the tax holiday",
                "the first crude shipment under the new supply contract",
            ]
        },
        {0: date(2025, 12, 31)},
        "pakistan-saudi-arabia-2025",
    ),
    Case(
        "leadin_only.txt",
        {
            "Analysts say the signposts to watch are:": [
                "A first commission session in Abuja before the end of the year.",
                "A South African–Nigerian agreement on visa-free travel for business people.",
            ]
        },
        {0: date(2025, 12, 31)},
        "nigeria-south-africa-2025",
        published=date(2025, 10, 10),
    ),
    Case(
        "list_in_middle.txt",
        {
            "What to watch": [
                "Indonesian import permits for 50,000 head of cattle by October.",
                "An Australian fertiliser plant contract with an Indonesian state firm.",
            ]
        },
        {0: date(2025, 10, 31)},
        "australia-indonesia-2025",
    ),
    Case(
        "two_lists.md",
        {
            "Signposts for the grain deal": [
                "A Polish–Ukrainian licensing agreement for grain transit signed by November.",
                "Ukrainian exporters registering for the new rail corridor.",
            ],
            "At the talks, the Ukrainian side is expected to:": [
                "Present a plan to cap wheat sales to Polish buyers.",
                "Offer transit guarantees for shipments to Lithuanian ports.",
            ],
        },
        {0: date(2025, 11, 30)},
        "poland-ukraine-2025",
    ),
    Case(
        "colon_heading.txt",
        {
            "Looking ahead: what to watch": [
                "Chinese approval of two new Brazilian port terminals for soy exports by 2030.",
                "A yuan settlement scheme for Brazilian soybean sales.",
            ]
        },
        {0: date(2030, 12, 31)},
        "brazil-china-2026",
    ),
    Case(
        "bold_heading.html",
        {
            "What to watch": [
                "A signed water supply contract between Turkish and Israeli utilities.",
                "The first tanker shipment from the Manavgat terminal in August.",
            ]
        },
        {1: date(2025, 8, 31)},
        "israel-turkey-2025",
    ),
    Case(
        "semicolon_section.md",
        {
            "Things to watch": [
                "A feasibility study contract for the pipeline route",
                "German subsidy approval for the import terminal",
                "a Norwegian decision on blue hydrogen output in June",
            ]
        },
        {2: date(2026, 6, 30)},
        "germany-norway-2026",
    ),
]
# Issue 13: the shapes analysts also write lists in (articles written for these tests).
NEW_SHAPES = [
    Case(
        "commitments_semicolon.txt",
        {
            "The Ghana Cocoa Board has committed to the following;": [
                "publish a joint floor price for the 2026/27 main crop before October",
                "withhold forward sales to exporters that undercut the floor",
                "open a shared warehouse in San-Pédro for certified beans",
            ]
        },
        {0: date(2026, 10, 31)},
        "ghana-ivory-coast-2026",
    ),
    Case(
        "term_paragraphs.txt",
        {
            "Three questions will decide whether the smelter gets built:": [
                "Financing: whether the Development Bank of Mongolia secures a syndicated loan"
                " for the smelter from Japanese and Korean lenders.",
                "Power supply: a long-term contract for electricity from the Tavan Tolgoi coal"
                " plant, or a grid link from the south.",
                "Oyu Tolgoi: Rio Tinto agreeing to sell part of the mine's concentrate to the new"
                " smelter.",
            ]
        },
        {},
        "mongolia-2026",
    ),
    Case(
        "bold_paragraphs.md",
        {
            "Key issues": [
                "State stake. Whether the final bill sets a minimum state share in new lithium"
                " concessions.",
                "Macusani. American Lithium winning final approval for its Falchani project in"
                " Puno.",
                "Royalties. A royalty rate on lithium exports agreed with the mining chamber.",
            ]
        },
        {},
        "peru-2026",
    ),
    Case(
        "next_steps.html",
        {
            "Next steps": [
                "A feasibility study tender for the Wadi Halfa section.",
                "Egyptian financing for the gauge change at the border.",
                "A joint customs post at Ashkeet.",
            ]
        },
        {},
        "egypt-sudan-2026",
    ),
    Case(
        "whats_at_stake.md",
        {
            "What's at stake": [
                "A licensing round for deep-sea mining blocks in the Norwegian Sea.",
                "Objections from the Norwegian Fishermen's Association to sulphide extraction.",
                "EU limits on imports of seabed minerals.",
            ]
        },
        {},
        "norway-2026",
    ),
    Case(
        "html_bold_paragraphs.html",
        {
            "The milestones to look for this year:": [
                "Codelco: board approval of the desalination plant for the Chuquicamata mine.",
                "Water code: a vote in the Senate on the bill that caps freshwater use by mines.",
                "Antofagasta: a power purchase deal for pumping seawater to Los Pelambres.",
            ]
        },
        {k: date(2026, 12, 31) for k in range(3)},
        "chile-2026",
    ),
    Case(
        "key_questions.md",
        {
            "Key questions": [
                "Will the FNV union call a strike at the container terminals before Christmas?",
                "Will the port authority divert ships to Antwerp?",
                "Will the Dutch government appoint a mediator?",
            ]
        },
        {},
        "dockworkers-threaten-strike-at-rotterdam",
    ),
]
CASES += NEW_SHAPES
ERRORS = {
    "overview_only.txt": ["lists found (draft one with --at LINE): 'Overview' (line 7, 2 items)"],
    "no_list.txt": [
        "'Argentina Holds Rates Steady' (line 1)",
        "'Inflation outlook' (line 7)",
        "line 9: 'Officials said inflation is likely to ease",
    ],
    "only_other_lists.md": [
        "'The two governments already fund:' (line 9, 2 items)",
        "'Key challenges include:' (line 16, 2 items)",
    ],
}


def test_every_article_has_a_case() -> None:
    files = {p.name for p in ARTICLES.iterdir()}
    assert files == {c.file for c in CASES} | set(ERRORS)
    assert len(files) >= 14


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_article_shapes(case: Case) -> None:
    draft = draft_of(ARTICLES / case.file, case.published)
    sections: dict[str, list[str]] = {}
    for ind in draft.indicators:
        sections.setdefault(ind.section, []).append(ind.title)
    assert sections == case.sections
    dates = {k: i.expected_by for k, i in enumerate(draft.indicators) if i.expected_by}
    assert dates == case.expected_by
    assert draft.id == case.draft_id


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_articles_without_a_watch_list_raise(name: str) -> None:
    with pytest.raises(ExtractionError) as caught:
        draft_of(ARTICLES / name)
    message = str(caught.value)
    assert message.startswith(f"{name}: no 'what to watch' list section found")
    for part in ERRORS[name]:
        assert part in message


def test_new_shapes_item_recall_and_precision() -> None:
    """Issue 13 acceptance 2: recall ≥ 0.9 and precision ≥ 0.85 of list items."""
    expected = {(c.file, t) for c in NEW_SHAPES for items in c.sections.values() for t in items}
    found = {(c.file, i.title) for c in NEW_SHAPES for i in draft_of(ARTICLES / c.file).indicators}
    hits = len(expected & found)
    assert hits / len(expected) >= 0.9
    assert hits / len(found) >= 0.85


def test_at_line_drafts_the_list_whatever_its_heading() -> None:
    text = (ARTICLES / "overview_only.txt").read_text(encoding="utf-8")
    for line in (7, 8):  # the first item, or any item of the list
        draft = extract(text, source="x.txt", at=line)
        assert [i.line for i in draft.indicators] == [7, 8]
        assert draft.indicators[0].title.startswith("Senegal's oil ministry is due to sign")
    assert "other list not taken" not in " ".join(extract(text, source="x", at=7).notes)
    with pytest.raises(
        ExtractionError, match=r"no list at line 3; lists found .*'Overview' \(line 7"
    ):
        extract(text, source="x.txt", at=3)


def test_a_single_term_paragraph_stays_text() -> None:
    text = "# Talks\n\nNote: the talks resume soon.\n\n## What to watch\n\n- A gas pact.\n"
    draft = extract(text, source="x.md")
    assert [i.title for i in draft.indicators] == ["A gas pact."]


def test_a_watch_heading_without_a_list_is_named() -> None:
    text = "# Rates\n\n## What to watch\n\nNothing is scheduled yet.\n"
    with pytest.raises(ExtractionError, match=r"no list under them: 'What to watch' \(line 3\)"):
        extract(text, source="x.md")


def test_bullets_typed_into_an_html_paragraph() -> None:
    html = (
        "<p>Ministers met in Oslo.</p>\n<p><b>Things to watch</b></p>\n"
        "<p>• A gas pact signed.<br>\n• A rail link by 2030.</p>"
    )
    draft = extract(html, source="x.html")
    assert [(i.title, i.line) for i in draft.indicators] == [
        ("A gas pact signed.", 3),
        ("A rail link by 2030.", 4),
    ]
    assert draft.title == "Ministers met in Oslo."


def test_empty_article_raises() -> None:
    with pytest.raises(ExtractionError, match="empty"):
        extract(" \n\n", source="empty.txt")


def test_item_lines_point_at_the_item_in_the_source() -> None:
    for name, draft in all_drafts():
        path = seed(name) if name == SEED_004 else ARTICLES / name
        lines = path.read_text(encoding="utf-8").splitlines()
        for ind in draft.indicators:
            assert tokenize(ind.title)[0] in tokenize(lines[ind.line - 1]), (name, ind.title)


def test_wrapped_items_and_sub_points() -> None:
    draft = draft_of(ARTICLES / "html_ol.html")
    assert "sub-points: Especially at the northern open-pit mines." in draft.indicators[1].notes
    # A sub-point is a note of its item, never an indicator of its own.
    assert len(draft.indicators) == 3


def test_semicolon_items_carry_a_note() -> None:
    draft = draft_of(ARTICLES / "semicolons.txt")
    assert all(any("semicolons" in n for n in i.notes) for i in draft.indicators)


# --- dates ----------------------------------------------------------------------------------


def test_relative_dates_without_a_publication_date_become_comments() -> None:
    draft = draft_of(ARTICLES / "numbered_paren.txt")
    last = draft.indicators[2]
    assert last.expected_by is None
    assert any("'next year' in the item" in n and "year unknown" in n for n in last.notes)
    assert "no publication date found" in " ".join(draft.notes)
    assert "# 'next year' in the item" in render_yaml(draft)


def test_published_argument_overrides_the_dateline() -> None:
    text = (ARTICLES / "md_headings.md").read_text(encoding="utf-8")
    # The article's dateline says 3 October 2025; the caller's date wins.
    later = extract(text, source="x.md", published=date(2026, 1, 15))
    assert later.indicators[0].expected_by == date(2026, 12, 31)
    assert "article dated" not in " ".join(later.notes)


def test_a_month_already_past_is_not_guessed() -> None:
    text = "# Talks\n\n## What to watch\n\n- A gas deal signed in March.\n- A rail pact.\n"
    draft = extract(text, source="x.md", published=date(2025, 11, 7))
    first = draft.indicators[0]
    assert first.expected_by is None
    assert any("year unclear" in n and "2026-03-31" in n for n in first.notes)


def test_section_date_by_2030_applies_to_every_item() -> None:
    text = "Outlook\n\nBy 2030, key indicators to watch include:\n- Grid links.\n- Rail links.\n"
    draft = extract(text, source="x.txt")
    assert [i.expected_by for i in draft.indicators] == [date(2030, 12, 31)] * 2


# --- queries ---------------------------------------------------------------------------------


def _article_item(name: str) -> Item:
    """The article as one news item: its title and its text (HTML reduced to text)."""
    path = seed(name) if name == SEED_004 else ARTICLES / name
    text = path.read_text(encoding="utf-8")
    draft = dict(all_drafts())[name]
    return Item(id=name, title=draft.title, summary=html_to_text(text))


def test_every_drafted_query_parses_lints_clean_and_matches_the_article() -> None:
    checked = 0
    for name, draft in all_drafts():
        indicators = [Indicator(i.id, i.title, i.query) for i in draft.indicators]
        for ind in indicators:
            node = parse_query(ind.query)
            compile_query(node)
            assert lint_query(node) == [], (name, ind.query)
        found = {e.indicator_id for e in Matcher(indicators).match(_article_item(name))}
        assert found == {i.id for i in indicators}, (
            name,
            sorted({i.id for i in indicators} - found),
        )
        checked += len(indicators)
    assert checked >= 60


def test_queries_keep_distinctive_terms_and_drop_boilerplate() -> None:
    for _, draft in all_drafts():
        for ind in draft.indicators:
            sentence_part = re.sub(r"item:\([^()]*\)", "", ind.query)
            assert sentence_part.strip(), ind.query  # something must be said in the sentence
            bare = set(re.findall(r"(?<![\w\"*])[a-z]+(?![\w\"*])", sentence_part))
            assert not bare & {"new", "clear", "the", "and", "expected", "whether"}, ind.query
    queries = [i.query for _, d in all_drafts() for i in d.indicators]
    assert len(set(queries)) == len(queries)  # two items never share one query


def test_bracketed_asides_and_tails_are_not_terms() -> None:
    text = (
        "## What to watch\n\n- Kenya signs the rail loan [announced on 9 May], marking a"
        " milestone for the lake port.\n- Tanzania opens the ferry terminal.\n"
    )
    query = extract(text, source="x.md").indicators[0].query
    assert "announc" not in query
    assert "milestone" not in query
    assert "loan" in query
    assert "signed" in query


def test_acronyms_found_in_the_article_go_both_ways() -> None:
    text = (
        "# Climate talks\n\nCountries must file Nationally Determined Contributions (NDCs)"
        " this year.\n\n## What to watch\n\n- Brazil publishes its NDCs before the summit.\n"
        "- Chile announces a coal exit date.\n"
    )
    query = extract(text, source="x.md").indicators[0].query
    assert "ndcs" in query
    assert '"nationally determined contributions"' in query


def test_a_country_in_any_form_becomes_its_group() -> None:
    text = "## Signposts\n\n- Austrian farmers protest in Vienna.\n- A rail pact is signed.\n"
    query = extract(text, source="x.md").indicators[0].query
    assert re.search(r"item:\(austria OR [^)]*austrian OR austrians OR vienna\)", query)


def test_thesaurus_can_be_extended() -> None:
    text = "## What to watch\n\n- Kenya orders a ferry for the lake.\n- Rail pact signed.\n"
    plain = extract(text, source="x.md")
    extended = extract(text, source="x.md", thesaurus={"ferry": ["ferries", "vessel*"]})
    assert "vessel*" not in plain.indicators[0].query
    assert "vessel*" in extended.indicators[0].query


def test_bad_thesaurus_terms_are_errors() -> None:
    with pytest.raises(ExtractionError, match="concept 'ferry'"):
        extract("## What to watch\n- Ferry.\n", source="x.md", thesaurus={"ferry": ["*"]})


# --- ids, YAML and JSON ------------------------------------------------------------------


def test_ids_are_stable_unique_slugs() -> None:
    for name, draft in all_drafts():
        again = draft_of(seed(name) if name == SEED_004 else ARTICLES / name)
        ids = [i.id for i in draft.indicators]
        assert ids == [i.id for i in again.indicators]
        assert len(set(ids)) == len(ids)
        assert all(ID.match(i) and len(i) <= 60 for i in [*ids, draft.id])


def test_duplicate_ids_get_numbers_and_queries_stay_distinct() -> None:
    text = "## Signposts\n\n- Rail pact signed in Oslo.\n- Rail pact signed in Bergen.\n"
    drafted = extract(text, source="x.md").indicators
    assert [i.id for i in drafted] == ["sign-rail-pact", "sign-rail-pact-2"]
    assert drafted[0].query != drafted[1].query


def test_slugify() -> None:
    assert slugify("India’s “new” MoU: phase-2 (draft)") == "indias-new-mou-phase-2-draft"
    assert slugify("South African–Nigerian pact") == "south-african-nigerian-pact"
    assert len(slugify("word " * 40)) <= 50


@pytest.mark.parametrize("name", [SEED_004, *(c.file for c in CASES)])
def test_yaml_round_trips_with_the_loader_keys(name: str) -> None:
    draft = dict(all_drafts())[name]
    data = yaml.safe_load(render_yaml(draft))
    assert set(data) <= {"id", "title", "source", "expected_by", "indicators"}
    assert (data["id"], data["title"], data["source"]) == (draft.id, draft.title, draft.source)
    assert data.get("expected_by") == draft.expected_by
    assert len(data["indicators"]) == len(draft.indicators)
    for got, ind in zip(data["indicators"], draft.indicators, strict=True):
        assert set(got) <= {"id", "title", "query", "description", "expected_by", "event"}
        assert (got["id"], got["title"], got["query"]) == (ind.id, ind.title, ind.query)
        assert got.get("expected_by") == ind.expected_by
        assert got["description"] == f"Drafted from '{ind.section}' (line {ind.line})." + (
            " Review the query."
        )


@pytest.mark.parametrize("name", [SEED_004, *(c.file for c in CASES)])
def test_draft_passes_watchlists_check(name: str) -> None:
    draft = dict(all_drafts())[name]
    watchlist, findings = read_watchlist_text(render_yaml(draft), f"{name}.yaml")
    assert findings == []
    assert watchlist is not None
    assert [i.title for i in watchlist.indicators] == [i.title for i in draft.indicators]


def test_yaml_comments_carry_provenance_and_notes() -> None:
    text = render_yaml(draft_of(seed(SEED_004)))
    assert "  # from 'What to Watch: Indicators of Progress and Deliverables' line 49\n" in text
    assert "# other list not taken: 'Key challenges include:' (line 28, 4 items)" in text
    assert "# expected_by 2025-12-31: from 'to December' in the lead-in" in text
    assert all(len(line) <= 100 for line in text.splitlines() if line.lstrip().startswith("#"))


def test_yaml_quotes_awkward_titles() -> None:
    title = "Deal: \"phase 2\" #1 signed — 'at last' & more"
    draft = extract(f"## What to watch\n\n- {title}\n- 2030\n", source="x.md")
    data = yaml.safe_load(render_yaml(draft))
    assert [i["title"] for i in data["indicators"]] == [title, "2030"]


def test_json_has_the_same_data() -> None:
    draft = draft_of(seed(SEED_004))
    data = json.loads(render_json(draft))
    assert data["id"] == "india-russia-2025"
    assert data["expected_by"] == "2025-12-31"
    assert data["notes"] == list(draft.notes)
    assert [i["title"] for i in data["indicators"]] == EXPECTED_004 + WATCH_004
    first = data["indicators"][4]
    ind = draft.indicators[4]
    assert first == {
        "id": ind.id,
        "title": ind.title,
        "query": ind.query,
        "description": ind.description,
        "expected_by": "2025-12-31",
        "event": {"action": ["sign"], "object": list(ind.objects), "actors": ["russia", "india"]},
        "section": "What to Watch: Indicators of Progress and Deliverables",
        "line": 49,
        "notes": list(ind.notes),
    }


def test_extract_imports_no_io_library() -> None:
    code = (
        "import sys, indicators.extract;"
        "bad = [m for m in sys.modules if m.split('.')[0] in"
        " {'monitor', 'httpx', 'sqlalchemy', 'apscheduler', 'feedparser', 'psycopg'}];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", [SEED_004, *(c.file for c in CASES)])
def test_drafts_raise_no_weak_rule_warning(name: str) -> None:
    """Issue 13: a fresh draft passes `watchlists check` without a weak-rule warning."""
    from indicators.validators import weak_rules

    draft = dict(all_drafts())[name]
    watchlist, _ = read_watchlist_text(render_yaml(draft), f"{name}.yaml")
    assert watchlist is not None
    base = (seed(name) if name == SEED_004 else ARTICLES / name).parent
    assert weak_rules(watchlist, base) == []


def _draft_matches(item: str, news: str) -> bool:
    """Whether the untouched draft of a one-item list matches ``news`` (a headline)."""
    text = f"## What to watch\n\n- {item}\n- Chile announces a coal exit date.\n"
    ind = extract(text, source="x.md").indicators[0]
    return bool(Matcher([Indicator(ind.id, ind.title, ind.query)]).match(Item("n", news)))


def test_an_event_noun_in_a_compound_brings_its_event_words() -> None:
    # "provisional application" is the apply event: news says it with the class's words
    item = "Kenya could seek provisional application of the rail treaty."
    assert _draft_matches(item, "Kenya: the pact is provisionally implemented from May")
    assert _draft_matches(item, "Kenya: the pact provisionally entered into force")
    assert not _draft_matches(item, "Kenya rail debt: provisional figures released")


def test_an_institution_name_brings_its_noun_in_every_inflection() -> None:
    item = "Kenyan MPs vote to ask the East African Court of Justice for an opinion."
    assert _draft_matches(
        item, "Kenya's parliament votes to send the treaty to the regional courts"
    )


def test_a_demonym_before_a_noun_qualifies_it_and_is_no_condition() -> None:
    # news names the investor ("Zhongke"), rarely its country
    item = "Signing of a lithium refinery deal with a Chinese investor in Zimbabwe."
    assert _draft_matches(item, "Zhongke signs Zimbabwe lithium refinery deal")
    text = "## Signposts\n\n- Austrian farmers protest in Vienna.\n- A rail pact is signed.\n"
    assert "item:(austria" in extract(text, source="x.md").indicators[0].query


def test_a_compound_of_nouns_brings_each_modifier_next_to_the_event() -> None:
    text = (
        "## What to watch\n\n- Signing of a lithium refinery deal in Zimbabwe.\n"
        "- A lithium export quota in Zimbabwe.\n"
    )
    ind = extract(text, source="x.md").indicators[0]
    matcher = Matcher([Indicator(ind.id, ind.title, ind.query)])
    assert matcher.match(Item("n", "Zimbabwe signs agreement for a lithium refinery"))
    assert "lithium*" not in ind.query  # shared by both items: the topic, not this one


def test_a_place_that_names_a_meeting_is_no_topic_actor() -> None:
    text = (
        "# What to watch: the Lusaka summit on climate finance\n\n## What to watch\n\n"
        "- A solidarity levy on premium flyers and private jets.\n"
        "- Adoption of a final communique by the leaders.\n"
    )
    draft = extract(text, source="x.md")
    assert not any("zambia" in i.query for i in draft.indicators)
    pair = "# India and Russia summit\n\n## What to watch\n\n- A rail pact is signed.\n- A port opens.\n"
    assert "item:(russia" in extract(pair, source="x.md").indicators[0].query


_HURDLES = """Guinea's Bauxite Deal Faces Final Hurdles
Conakry, 3 March 2026

Guinea and Orion Mining signed a framework agreement for a bauxite concession last month.

Several hurdles remain before the concession takes effect:

Parliamentary approval: The concession agreement must be ratified by the National Assembly, \
where opposition deputies have vowed to block it over tax terms.

Labour unrest: Unions at the Kamsar terminal have threatened a strike over hiring rules. \
Talks with the ministry resume next week.

Refinery financing: Orion has yet to secure the funds for the alumina refinery it promised.
"""


def test_labelled_paragraphs_are_named_and_read_by_their_label() -> None:
    draft = extract(_HURDLES, source="x.txt", at=8)
    ids = [i.id for i in draft.indicators]
    assert ids == ["parliamentary-approval", "labour-unrest", "refinery-financing"]
    approval, unrest, _ = (Indicator(i.id, i.title, i.query) for i in draft.indicators)
    # the label names the event (approval) and its object (parliament), not the tail
    assert "parliament*" in approval.query
    assert "deputies" not in approval.query
    assert "pledge" not in approval.query  # "have vowed to block it" is no second event
    # a strike is an event of its own; "hiring rules" are what it is about
    assert "walkout" in unrest.query
    assert "hired" not in unrest.query
    assert "ministry" not in unrest.query  # the paragraph's first sentence only
    matcher = Matcher([approval, unrest])
    found = matcher.match(Item("n", "Guinea parliament ratifies Orion bauxite concession"))
    assert [(e.indicator_id, e.modality) for e in found] == [
        ("parliamentary-approval", Modality.OCCURRED)
    ]
    found = matcher.match(Item("n", "Kamsar dockers walk out as Guinea unions escalate"))
    assert [e.indicator_id for e in found] == ["labour-unrest"]


_COMMITMENTS = """Zambia Copper Takeover: What Vantage Metals Promised
Lusaka, 12 May 2026

Vantage Metals (VM) completed its purchase of a stake in Kansanshi on Friday.

In exchange for the government's approval, Vantage Metals has committed to the following;

- Keep all 4,000 jobs at the Mopani smelter for at least three years.
- Pay the $180 million in arrears to the revenue authority within six months of closing.
- Build a solar plant to supply 20% of the mine's power needs.
"""


def test_a_commitments_list_requires_its_party_not_the_country() -> None:
    draft = extract(_COMMITMENTS, source="x.txt")
    jobs, pay, _ = (Indicator(i.id, i.title, i.query) for i in draft.indicators)
    assert all("item:(vantage OR vm)" in i.query for i in draft.indicators)
    assert not any("zambia" in i.query for i in draft.indicators)
    assert "least" not in jobs.query  # "at least three years" says nothing
    assert "months" not in pay.query  # "within six months of closing": a deadline
    matcher = Matcher([pay])
    assert matcher.match(Item("n", "VM pays $180 mln in arrears to Zambia's tax office"))
    assert not matcher.match(Item("n", "Glencore pays $180 mln in arrears to Zambia's tax office"))


def test_a_promise_to_act_is_no_event_the_act_is() -> None:
    text = "## What to watch\n\n- Kenya has promised to build a rail link to Uganda.\n- A port opens.\n"
    ind = extract(text, source="x.md").indicators[0]
    assert ind.id.startswith("establish")
    assert "pledge" not in ind.query


def test_labelled_paragraphs_after_a_pending_lead_in_are_the_watch_list() -> None:
    # found without --at: "Several hurdles remain …:" says what is still to happen
    draft = extract(_HURDLES, source="x.txt")
    assert [i.id for i in draft.indicators][:1] == ["parliamentary-approval"]


def test_one_clause_after_a_colon_is_no_list() -> None:
    text = (
        "# Copper\n\nSuch pledges have been made before: a smelter promised a decade ago was"
        " never built.\n\n## What to watch\n\n- Kenya signs the rail loan.\n- A port opens.\n"
    )
    assert [i.title for i in extract(text, source="x.md").indicators] == [
        "Kenya signs the rail loan.",
        "A port opens.",
    ]


def test_a_party_is_named_as_news_names_it() -> None:
    from indicators.extract.party import committed_party
    from indicators.extract.thesaurus import load_thesaurus

    def names(lead_in: str) -> list[str]:
        party = committed_party(lead_in, load_thesaurus())
        return [" ".join(t.words) for t in party[1]] if party else []

    assert names("Prime Minister Keir Starmer has promised to:") == [
        "prime minister keir starmer",
        "keir starmer",
        "starmer",
    ]
    assert names("National Grid has pledged to:") == ["national grid"]  # never "national"
    assert names("Glencore has committed to the following;") == ["glencore"]
    assert names("The Government has committed to the following;") == []
    assert names("Zambia has committed to the following;") == []  # a topic actor

"""Issue 17, item 1: the dashboard over real HTTP (uvicorn on 127.0.0.1), both databases.

The pages are checked as HTML here; tests/monitor/test_web_browser.py drives the same
pages in a real Chromium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner
from feedserver import FeedServer
from sqlalchemy import func, select
from webhelpers import TOKEN, dashboard, loaded_db

from monitor import reports
from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.storage import views
from monitor.storage.db import Database
from monitor.storage.models import AnalystAction, EvidenceRow
from monitor.web.auth import COOKIE


@pytest.fixture
def loaded(db: Database, feed_server: FeedServer) -> Database:
    return loaded_db(db, feed_server)


@pytest.fixture
def site(loaded: Database) -> Iterator[httpx.Client]:
    with dashboard(loaded) as base, httpx.Client(base_url=base, timeout=10) as client:
        yield client


def _status_json(db: Database) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["--db", db.url, "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_board_shows_every_indicator_as_status_reports_it(
    loaded: Database, site: httpx.Client
) -> None:
    page = site.get("/")
    assert page.status_code == 200
    shown = dict(re.findall(r'data-indicator="([^"]+)" data-status="([^"]+)"', page.text))
    expected = {row["indicator"]: row["status"] for row in _status_json(loaded)}
    assert shown == expected
    assert set(expected.values()) >= {"confirmed", "anticipated", "watching"}


def test_board_aggregates_agree_with_the_status_report(loaded: Database) -> None:
    with loaded.read() as session:
        board = {row.ref: row for row in views.board(session)}
        report = {row["indicator"]: row for row in reports.status_rows(session)}
    assert board.keys() == report.keys()
    for ref, row in report.items():
        got = board[ref]
        assert (got.status, got.occurred, got.anticipated, got.negated, got.sources) == (
            row["status"],
            row["occurred"],
            row["anticipated"],
            row["negated"],
            row["sources"],
        ), ref
        # The newest time agrees; between sentences of one entry (same time) either may show.
        assert got.newest_at == row["newest"]
        assert (got.newest_sentence is None) == (row["newest_sentence"] is None)


def test_board_filters_by_status_and_watch_list(site: httpx.Client) -> None:
    confirmed = site.get("/", params={"status": "confirmed"}).text
    assert re.findall(r'data-status="([^"]+)"', confirmed) == ["confirmed"]
    assert 'data-indicator="web/ships"' in confirmed
    assert 'data-indicator="' not in site.get("/", params={"watchlist": "nope"}).text


def test_pages_carry_a_strict_content_security_policy(site: httpx.Client) -> None:
    for path in ("/", "/indicator/web/ships", "/feeds", "/alerts", "/login", "/nothing"):
        response = site.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy, path
        assert "script-src" not in policy  # no script at all: default-src 'none' covers it
        assert response.headers["x-content-type-options"] == "nosniff"
    assert site.get("/nothing").status_code == 404
    assert site.get("/indicator/web/nothing").status_code == 404


def test_indicator_page_has_timeline_trail_history_and_rule(site: httpx.Client) -> None:
    html = site.get("/indicator/web/ships").text
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="band s-') >= 2  # watching, then confirmed
    assert 'class="mark m-occurred' in svg
    assert 'class="deadline"' in svg
    assert "<mark>shipbuilding</mark>" in html.lower()
    assert "https://a.example/1" in html
    assert 'watching</span> → <span class="status s-observed">observed' in html
    assert 'observed</span> → <span class="status s-confirmed">confirmed' in html
    assert "(india OR indian) (russia OR russian) shipbuilding" in html
    assert "Shipbuilding cooperation between Indian and Russian yards." in html


def test_hostile_feed_text_is_escaped(site: httpx.Client) -> None:
    for path in ("/", "/indicator/web/ships", "/indicator/web/zeppelin"):
        html = site.get(path).text
        assert "<script" not in html
        assert "<img" not in html
        assert "onerror=" not in html.replace("onerror=&#34;", "").replace("onerror=&quot;", "")
        assert "javascript:" not in re.findall(r'href="([^"]*)"', html).__str__()
        assert "\u202e" not in html
        assert "\u202c" not in html
    zeppelin = site.get("/indicator/web/zeppelin").text
    assert "&lt;script&gt;window.__pwned = 7&lt;/script&gt;" in zeppelin  # shown, as text
    assert "<mark>zeppelin</mark> <mark>armada</mark> is expected" in zeppelin


def test_feeds_and_alerts_pages(site: httpx.Client) -> None:
    feeds = site.get("/feeds").text
    assert "/web.xml" in feeds
    assert "/missing.xml" in feeds
    assert 'class="failing"' in feeds  # the 404 feed
    assert site.get("/alerts").status_code == 200


def test_read_only_without_an_admin_token(loaded: Database) -> None:
    with dashboard(loaded, token=None) as base, httpx.Client(base_url=base) as client:
        page = client.get("/indicator/web/ships").text
        assert '<form method="post"' not in page
        assert "read-only" in page
        refused = client.post("/evidence/1/dismiss", data={"note": "x", "csrf": "x"})
        assert refused.status_code == 403
        assert client.post("/login", data={"token": ""}).status_code == 403
    with loaded.read() as session:
        assert session.scalar(select(func.count()).where(EvidenceRow.dismissed)) == 0


def _login(client: httpx.Client) -> str:
    assert client.post("/login", data={"token": "wrong"}).status_code == 403
    response = client.post("/login", data={"token": TOKEN})
    assert response.status_code == 303
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=strict" in response.headers["set-cookie"].lower()
    page = client.get("/indicator/web/ships").text
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', page)
    assert found
    return found.group(1)


def _evidence_id(db: Database, sentence_part: str) -> int:
    with db.read() as session:
        return int(
            session.scalars(
                select(EvidenceRow.id).where(EvidenceRow.sentence.contains(sentence_part))
            ).first()
            or 0
        )


def test_actions_need_login_and_the_pages_csrf_token(loaded: Database) -> None:
    target = _evidence_id(loaded, "inked")
    assert target
    with dashboard(loaded) as base, httpx.Client(base_url=base) as client:
        form = {"note": "a feature story, not news", "indicator": "web/ships"}
        assert client.post(f"/evidence/{target}/dismiss", data=form).status_code == 403
        csrf = _login(client)
        # Logged in, but no token, a wrong one, or the token of another session: refused.
        assert client.post(f"/evidence/{target}/dismiss", data=form).status_code == 403
        wrong = {**form, "csrf": "0" * 64}
        assert client.post(f"/evidence/{target}/dismiss", data=wrong).status_code == 403
        with httpx.Client(base_url=base) as other:
            other_csrf = _login(other)
        stolen = {**form, "csrf": other_csrf}
        assert client.post(f"/evidence/{target}/dismiss", data=stolen).status_code == 403
        # A token without the session cookie: refused too.
        bare = httpx.post(f"{base}/evidence/{target}/dismiss", data={**form, "csrf": csrf})
        assert bare.status_code == 403
        with loaded.read() as session:
            assert session.scalar(select(func.count()).where(EvidenceRow.dismissed)) == 0
            assert session.scalar(select(func.count()).select_from(AnalystAction)) == 0
        done = client.post(f"/evidence/{target}/dismiss", data={**form, "csrf": csrf})
        assert done.status_code == 303
        followed = client.get(done.headers["location"]).text
        assert "dismissed evidence" in followed
        assert "confirmed → observed" in followed  # one source left
        assert client.cookies.get(COOKIE)
    with loaded.read() as session:
        row = session.get(EvidenceRow, target)
        assert row is not None
        assert (row.dismissed, row.dismiss_note) == (True, form["note"])
        [action] = session.scalars(select(AnalystAction)).all()
        assert (action.action, action.evidence_id, action.note) == ("dismiss", target, form["note"])
    assert {r["indicator"]: r["status"] for r in _status_json(loaded)}["web/ships"] == "observed"


def test_pin_and_unpin_from_the_page(loaded: Database) -> None:
    with dashboard(loaded) as base, httpx.Client(base_url=base) as client:
        csrf = _login(client)
        pinned = client.post(
            "/indicator/web/rupee/pin",
            data={"csrf": csrf, "status": "observed", "note": "minister said so on TV"},
        )
        assert pinned.status_code == 303
        assert {r["indicator"]: r for r in _status_json(loaded)}["web/rupee"]["pinned"] is True
        unpinned = client.post("/indicator/web/rupee/unpin", data={"csrf": csrf, "note": ""})
        assert unpinned.status_code == 303
    rows = {r["indicator"]: r for r in _status_json(loaded)}
    assert (rows["web/rupee"]["status"], rows["web/rupee"]["pinned"]) == ("anticipated", False)


def test_a_long_trail_is_paged_newest_first(sqlite_url: str) -> None:
    from bench.web import build

    db = Database(sqlite_url)
    build(db, indicators=2, evidence=250)  # ind-001 holds 200 pieces
    try:
        with dashboard(db) as base, httpx.Client(base_url=base) as client:
            first = client.get("/indicator/bench/ind-001").text
            second = client.get("/indicator/bench/ind-001", params={"page": 2}).text
            past_end = client.get("/indicator/bench/ind-001", params={"page": 9}).text
    finally:
        db.dispose()
    ids = [re.findall(r'<tr id="ev-(\d+)"', page) for page in (first, second)]
    assert [len(i) for i in ids] == [100, 100]
    assert not set(ids[0]) & set(ids[1])
    assert min(map(int, ids[0])) > max(map(int, ids[1]))  # newest first (ids follow time)
    assert "page 1 of 2" in first
    assert "older →" in first
    assert "← newer" in second
    assert '<tr id="ev-' not in past_end
    assert first.count('class="mark ') >= 10  # the timeline shows every page's marks


def test_a_dismissal_from_the_page_alerts_as_a_correction(loaded: Database) -> None:
    """Issue 14, item 3: the dashboard's override queues its change's alert, marked as a
    correction, in the transaction that records it."""
    from monitor.alerts import Outbox, alert_config
    from monitor.config import Settings
    from monitor.storage.models import Alert

    sink = Outbox(alert_config(Settings(alert_channels=("console:",))))
    target = _evidence_id(loaded, "inked")  # confirmed → observed once dismissed
    assert target
    with dashboard(loaded, alerts=sink) as base, httpx.Client(base_url=base) as client:
        csrf = _login(client)
        form = {"note": "a feature story", "indicator": "web/ships", "csrf": csrf}
        assert client.post(f"/evidence/{target}/dismiss", data=form).status_code == 303
    with loaded.read() as session:
        alerts = session.scalars(select(Alert)).all()
    assert [a.payload["correction"] for a in alerts] == [True]
    assert alerts[0].payload["cause"] == "analyst"

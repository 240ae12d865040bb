"""Issue 17, item 4: the dashboard in a real headless Chromium (Debian's, via Playwright).

The board matches ``watchlist status --format json``; the indicator page draws its
timeline; analyst actions need a login and the page's CSRF token; hostile feed text runs
no script; and the pages ask nothing of any host but the server.

Without a browser these tests skip, unless ``WATCHLIST_REQUIRE_BROWSER=1`` (CI), where a
missing browser fails them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from feedserver import FeedServer
from sqlalchemy import func, select
from webhelpers import TOKEN, dashboard, loaded_db

from monitor.cli import cli
from monitor.cli import commands as _commands  # noqa: F401  (registers the commands)
from monitor.storage.db import Database
from monitor.storage.models import AnalystAction, EvidenceRow
from scripts import chromium

if not chromium.available():
    why = f"no Chromium at {chromium.CHROMIUM} (apt-get install chromium)"
    if os.environ.get("WATCHLIST_REQUIRE_BROWSER") == "1":
        pytest.fail(why + " and WATCHLIST_REQUIRE_BROWSER=1", pytrace=False)
    pytest.skip(why, allow_module_level=True)

from playwright.sync_api import BrowserContext, Page, sync_playwright


@pytest.fixture
def loaded(sqlite_url: str, feed_server: FeedServer) -> Iterator[Database]:
    from monitor.storage import migrate

    db = Database(sqlite_url)
    migrate.upgrade(db)
    yield loaded_db(db, feed_server)
    db.dispose()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[BrowserContext]:
    with sync_playwright() as p:
        context = chromium.launch(p, tmp_path / "profile")
        try:
            yield context
        finally:
            context.close()


class Watched:
    """A page whose every request, script dialog and console error is recorded."""

    def __init__(self, context: BrowserContext) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        self.page: Page = context.new_page()
        self.page.on(
            "dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss())
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))


def _status_json(db: Database) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["--db", db.url, "status", "--format", "json"])
    assert result.exit_code == 0, result.output
    return {row["indicator"]: row["status"] for row in json.loads(result.stdout)}


def test_board_matches_status_json_and_links_to_indicator_pages(
    loaded: Database, browser: BrowserContext
) -> None:
    watched = Watched(browser)
    page = watched.page
    with dashboard(loaded) as base:
        page.goto(base + "/")
        rows = page.locator("table.board tbody tr")
        shown = {
            rows.nth(i).get_attribute("data-indicator"): rows.nth(i).locator(".status").inner_text()
            for i in range(rows.count())
        }
        assert shown == _status_json(loaded)
        # Without JavaScript too: the filter is a plain GET form.
        page.select_option("select[name=status]", "confirmed")
        page.click("form.filters button")
        assert page.url.endswith("status=confirmed")
        assert page.locator("table.board tbody tr").count() == 1
        page.click("text=ships")
        assert page.url == base + "/indicator/web/ships"
        assert "India and Russia signed a shipbuilding pact" in page.inner_text("table.trail")
    assert all(url.startswith(base) for url in watched.requests), watched.requests


def test_timeline_renders_bands_marks_and_deadline(
    loaded: Database, browser: BrowserContext
) -> None:
    page = Watched(browser).page
    with dashboard(loaded) as base:
        page.goto(base + "/indicator/web/ships")
        svg = page.locator("svg#timeline")
        assert svg.is_visible()
        box = svg.bounding_box()
        assert box is not None
        assert box["width"] > 300
        assert svg.locator("rect.band").count() >= 3  # watching, observed, confirmed
        assert svg.locator("circle.m-occurred").count() >= 1
        assert svg.locator("line.deadline").count() == 1
        # The stylesheet applied (served by the server itself): confirmed bands are green.
        fill = svg.locator("rect.s-confirmed").first.evaluate("e => getComputedStyle(e).fill")
        assert fill == "rgb(127, 211, 154)"


def test_hostile_feed_text_is_inert(loaded: Database, browser: BrowserContext) -> None:
    watched = Watched(browser)
    page = watched.page
    with dashboard(loaded) as base:
        for path in ("/", "/indicator/web/zeppelin", "/indicator/web/ships", "/feeds", "/alerts"):
            page.goto(base + path)
            page.wait_for_load_state("load")
            assert page.evaluate("window.__pwned") is None, path
            assert page.locator("script").count() == 0
            assert page.locator("img").count() == 0
            assert page.locator("a[href^='javascript:' i]").count() == 0
            assert page.locator("[onerror], [onload], [onmouseover]").count() == 0
            text = page.inner_text("body")
            assert "\u202e" not in text
        page.goto(base + "/indicator/web/zeppelin")
        # The markup is shown as text, where an analyst can see what the feed tried.
        assert "<script>window.__pwned = 7</script>" in page.inner_text("table.trail")
        page.hover("table.trail td:has-text('evil.example')")
    assert watched.dialogs == []
    assert watched.errors == []
    assert all(url.startswith(base) for url in watched.requests), watched.requests


def test_actions_need_the_token_and_the_pages_csrf_token(
    loaded: Database, browser: BrowserContext
) -> None:
    watched = Watched(browser)
    page = watched.page
    with loaded.read() as session:
        target = session.scalars(
            select(EvidenceRow.id).where(EvidenceRow.sentence.contains("inked"))
        ).one()
    with dashboard(loaded) as base:
        page.goto(f"{base}/indicator/web/ships")
        assert page.locator("form.action").count() == 0  # not logged in: no actions
        # A POST without a session, then with one but without the page's token: refused.
        refused = browser.request.post(
            f"{base}/evidence/{target}/dismiss", form={"note": "x", "indicator": "web/ships"}
        )
        assert refused.status == 403
        page.goto(base + "/login")
        page.fill("input[name=token]", "not the token")
        page.click("form.login button")
        assert "That token is not right" in page.inner_text("main")
        page.fill("input[name=token]", TOKEN)
        page.click("form.login button")
        assert page.url == base + "/"
        forged = browser.request.post(
            f"{base}/evidence/{target}/dismiss", form={"note": "x", "indicator": "web/ships"}
        )
        assert forged.status == 403
        wrong = browser.request.post(
            f"{base}/evidence/{target}/dismiss",
            form={"note": "x", "indicator": "web/ships", "csrf": "f" * 64},
        )
        assert wrong.status == 403
        with loaded.read() as session:
            assert session.scalar(select(func.count()).where(EvidenceRow.dismissed)) == 0
            assert session.scalar(select(func.count()).select_from(AnalystAction)) == 0
        # Through the page's own form: done, recorded like the CLI, status recomputed.
        page.goto(f"{base}/indicator/web/ships")
        row = page.locator(f"tr#ev-{target}")
        row.locator("input[name=note]").fill("opinion piece, not a report")
        row.locator("button").click()
        assert "dismissed evidence" in page.inner_text("p.done")
        assert "confirmed → observed" in page.inner_text("p.done")
        assert "dismissed" in (page.locator(f"tr#ev-{target}").get_attribute("class") or "")
    with loaded.read() as session:
        row_db = session.get(EvidenceRow, target)
        assert row_db is not None
        assert (row_db.dismissed, row_db.dismiss_note) == (True, "opinion piece, not a report")
    assert _status_json(loaded)["web/ships"] == "observed"

"""Issue 7, item 3: SIGKILL the daemon at random moments; nothing duplicated, nothing lost.

``watchlist daemon`` runs as a real process on SQLite with a 0.2 s tick over three feeds
that change on every request (two new stories each time, and lead stories rewritten from
one modality to the next, so evidence is replaced and statuses keep changing). A seeded
RNG picks the moment of each SIGKILL after the daemon has started polling; the daemon is
restarted each time. A final run, with the feeds frozen, must catch up; then the integrity
checks of tests/monitor/integrity.py hold and every entry the server ever served is stored.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

import pytest
from feedserver import FeedServer, Reply, Request
from helpers import Clock, Story, day, load_rules, pipeline, rss, start_daemon, wait_for
from integrity import problems
from sqlalchemy import func, select

from monitor.storage import feeds as feeds_repo
from monitor.storage import migrate
from monitor.storage.db import Database
from monitor.storage.models import Alert, Entry, EvidenceRow, StatusChange

SEED = 20251204
KILLS = 12
MIN_POLLS = 30
FEEDS = 3
PER_REQUEST = 2

RULES = """
id: crash
title: Crash test
indicators:
  - id: labour
    title: Labour mobility agreement
    query: (india OR indian) (russia OR russian) "labour mobility"
  - id: ships
    title: Shipbuilding cooperation
    query: (india OR indian) (russia OR russian) shipbuilding
"""
# Each indicator in every modality, worded differently per publisher so that copies are not
# taken for one syndicated story.
TEMPLATES = {
    "anticipated": "India and Russia are expected to sign a {topic} deal, {who} reports",
    "negated": "{who}: India-Russia {topic} talks stalled over quotas",
    "occurred": "{who} confirms India and Russia signed the {topic} agreement",
    "none": "{who} covers markets in Mumbai",
}
TOPICS = ("labour mobility", "shipbuilding")
LEAD_CYCLE = ("occurred", "negated", "none", "anticipated")


class ChangingFeeds:
    """Feeds that change on every request (until frozen): ``PER_REQUEST`` new stories, and
    each feed's two lead stories (one per topic, a fixed guid) rewritten to the next
    modality of ``LEAD_CYCLE``, so the indicators keep changing status in both directions."""

    def __init__(self, server: FeedServer) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, dict[str, tuple[str, str, datetime]]] = {}  # guid → story
        self.requests: dict[str, int] = {}
        self.frozen = False
        self.urls = [server.add_handler(f"/feed{n}.xml", self._serve) for n in range(FEEDS)]

    def _serve(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0]
        feed = int(path.removeprefix("/feed").removesuffix(".xml"))
        with self.lock:
            items = self.items.setdefault(path, {})
            if not self.frozen:
                count = self.requests[path] = self.requests.get(path, 0) + 1
                rng = random.Random(f"{path}:{count}")
                for _ in range(PER_REQUEST):
                    modality = rng.choice(["anticipated", "negated", "none"])
                    who = f"wire{rng.randrange(6)}"
                    title = TEMPLATES[modality].format(topic=rng.choice(TOPICS), who=who)
                    when = datetime(2025, 11, 1, tzinfo=UTC) + timedelta(minutes=len(items))
                    guid = f"{path}#{len(items)}"
                    items[guid] = (title, f"https://{who}.example{path}/{len(items)}", when)
                for index, topic in enumerate(TOPICS):
                    modality = LEAD_CYCLE[(count + index + feed) % len(LEAD_CYCLE)]
                    who = f"lead{feed}"
                    title = TEMPLATES[modality].format(topic=topic, who=who)
                    link = f"https://{who}.example{path}/lead{index}"
                    items[f"{path}#lead{index}"] = (title, link, datetime(2025, 12, 4, tzinfo=UTC))
            body = _rss(items)
        return Reply(200, body.encode(), {"Content-Type": "application/rss+xml"})

    def served(self) -> dict[str, str]:
        """Every story served, by guid, with its last title."""
        with self.lock:
            return {guid: t for items in self.items.values() for guid, (t, _, _) in items.items()}


def _rss(items: dict[str, tuple[str, str, datetime]]) -> str:
    body = "".join(
        f"<item><guid>{escape(g)}</guid><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for g, (t, link, when) in items.items()
    )
    return f"<rss version='2.0'><channel><title>grow</title>{body}</channel></rss>"


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_duplicates_nothing(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    url = f"sqlite:///{tmp_path / 'watchlist.db'}"
    db = Database(url)
    migrate.upgrade(db)
    now = datetime.now(UTC)
    load_rules(db, RULES, now)
    feeds = ChangingFeeds(feed_server)
    with db.write() as session:
        for feed_url in feeds.urls:
            feeds_repo.add_feed(session, feed_url, now, interval=timedelta(0))
    config = tmp_path / "watchlist.toml"
    config.write_text(
        """
[polling]
tick = "0.2s"
lease = "2s"            # a killed daemon's claims come back after 2 s
deadline_check = "1h"
fetch_deadline = "5s"

[alerts]
group_over = 1000       # one line per alert, so lines can be counted
lease = "2s"            # and a killed daemon's alerts in flight come back after 2 s

[alerts.channels.out]
url = "console:"
timeout = "1s"
""",
        encoding="utf-8",
    )
    log = tmp_path / "daemon.log"
    rng = random.Random(SEED)

    def hits() -> int:  # every request reaching the server is one poll of one feed
        return len(feed_server.requests())

    delays: list[float] = []
    started = time.monotonic()
    for _ in range(KILLS):
        before = hits()
        proc = start_daemon(url, config, log)
        try:
            wait_for(lambda b=before: hits() > b, 20, "the daemon to start polling")
            delays.append(rng.uniform(0.0, 0.8))
            time.sleep(delays[-1])
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(5)
    polls_under_fire = hits()
    assert polls_under_fire >= MIN_POLLS

    with feeds.lock:
        feeds.frozen = True
    served = feeds.served()

    def behind() -> list[str]:
        with db.read() as session:
            stored = dict(session.execute(select(Entry.guid, Entry.title)).all())
            unsent = session.execute(select(Alert.id, Alert.state).where(Alert.state != "sent"))
            lag = [f"alert {i} {state}" for i, state in unsent]
        lag += [
            f"{g}: stored {stored.get(g)!r}, served {t!r}"
            for g, t in served.items()
            if stored.get(g) != t
        ]
        return lag + [f"{g}: never served" for g in stored.keys() - served.keys()]

    starts = log.read_text().count("daemon started")
    final = start_daemon(url, config, log)
    try:
        # Signals before the daemon installs its handlers would kill it (-15): the killed
        # runs may have stored everything already, so wait for it to be running too.
        wait_for(lambda: log.read_text().count("daemon started") > starts, 30, "the start")
        wait_for(lambda: not behind(), 30, "the final run to catch up", behind)
    finally:
        final.send_signal(signal.SIGTERM)
        code = final.wait(10)
    elapsed = time.monotonic() - started
    assert code == 0, log.read_text()[-2000:]

    checker = pipeline(db, lambda: datetime.now(UTC))
    found = problems(db, checker, datetime.now(UTC))
    with db.read() as session:
        stored = dict(session.execute(select(Entry.guid, Entry.title)).all())
        changes = session.scalar(select(func.count(StatusChange.id))) or 0
        alerts = session.scalar(select(func.count(Alert.id))) or 0
    db.dispose()
    lines = sum(1 for line in log.read_text().splitlines() if line.startswith("ALERT "))
    print(
        f"\n{KILLS} SIGKILLs at +{', +'.join(f'{d:.2f}' for d in delays)} s after the first "
        f"poll of each run; {polls_under_fire} polls under fire, {hits()} in all; "
        f"{len(served)} entries served, {len(stored)} stored; {changes} status changes; "
        f"{alerts} alerts, {lines} ALERT lines; {elapsed:.1f}s"
    )
    assert found == []
    assert stored == served  # nothing missing, each story in its last version
    assert changes > 0
    assert alerts <= lines <= alerts + KILLS  # at least once; at most one repeat per kill


def test_a_revised_entry_drops_the_evidence_it_no_longer_gives(
    db: Database, feed_server: FeedServer
) -> None:
    """Found by the crash test: an entry rewritten under the same guid so that it no longer
    matched kept its old sentence as evidence, and its indicator the status that gave."""
    clock = Clock(day(3))
    load_rules(db, RULES, clock())
    signed = "India and Russia signed the labour mobility agreement"
    url = feed_server.add("/f.xml", rss([Story("1", signed, "", "https://a.example/1", day(1))]))
    with db.write() as session:
        feeds_repo.add_feed(session, url, clock())
    p = pipeline(db, clock)
    assert [c.to_status for c in p.poll(all_feeds=True).changes] == ["observed"]
    feed_server.add(
        "/f.xml", rss([Story("1", "Markets in Mumbai", "", "https://a.example/1", day(1))])
    )
    clock.now += timedelta(hours=1)
    second = p.poll(all_feeds=True)
    assert [(c.from_status, c.to_status) for c in second.changes] == [("observed", "watching")]
    with db.read() as session:
        assert session.scalar(select(func.count(EvidenceRow.id))) == 0
    assert problems(db, p, clock()) == []

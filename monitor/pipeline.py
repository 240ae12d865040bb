"""The pipeline: one poll, in the order of DESIGN §4, and nothing decided here.

::

    tick (APScheduler, one job, no overlap)                       monitor.daemon
     → claim due feeds (a lease; SKIP LOCKED on PostgreSQL)       storage.feeds
     → fetch (httpx: conditional GET, caps, total deadline)       feeds.fetch
     → parse (fast RSS/Atom path, else feedparser; bytes + headers,
       never a URL/path) and match every entry, in worker processes  feeds.parse, prepare
     → store entries, get back only the new or changed ones       storage.entries
     → evidence of each new entry (the worker's, else matched here) indicators.matcher
     → decide statuses from the evidence set, ``now`` passed in   status (pure)
     → persist evidence + status changes + outbox rows in ONE transaction per feed
     → deliver alerts (outbox → channel, retry, mark sent)        alerts (its own job)

Fetches run concurrently in threads (a per-host limit keeps us polite); each fetch thread
hands its body to a worker process and waits (``monitor.prepare``: parsing and matching
are CPU work, which threads would only take turns at). Everything that touches the
database runs on the calling thread, one transaction per feed, so a crash at any moment
leaves either the whole feed's poll recorded or none of it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from indicators.matcher import Matcher
from indicators.model import Evidence, Indicator, Item
from monitor.alerts.outbox import AlertSink, NoAlerts
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.feeds.fetch import FetchPolicy, fetch, make_client
from monitor.feeds.types import FetchOutcome, FetchResult
from monitor.metrics import Metrics
from monitor.prepare import POOL_MIN_FEEDS, Prepared, Preparer, prepare
from monitor.secret import redact_url
from monitor.status import decide
from monitor.storage import evidence as evidence_repo
from monitor.storage import feeds as feeds_repo
from monitor.storage import indicators as indicators_repo
from monitor.storage.db import Database
from monitor.storage.entries import StoredEntry, store_entries
from monitor.storage.evidence import ChangeInfo

log = logging.getLogger("watchlist.pipeline")

# Outcomes with nothing to parse or store: recorded in batches of this many feeds.
_NOTHING_NEW = frozenset({FetchOutcome.NOT_MODIFIED, FetchOutcome.UNCHANGED})
UNCHANGED_BATCH = 50


@dataclass
class PollSummary:
    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    new_entries: int = 0
    updated_entries: int = 0  # known entries whose text changed: not new (issue 16)
    evidence: int = 0
    changes: list[ChangeInfo] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (url, message)

    def line(self) -> str:
        return (
            f"{self.feeds} feeds: {self.ok} ok, {self.not_modified} not modified, "
            f"{self.failed} failed; {self.new_entries} new entries"
            + (f" ({self.updated_entries} updated)" if self.updated_entries else "")
            + f", {self.evidence} evidence, "
            f"{len(self.changes)} status changes"
        )


@dataclass
class RuleSet:
    """The active indicators, rebuilt when a version changes; compiled into a matcher on
    first use (a poll whose parse workers match everything never needs one here, and
    1,000 compiled rules are ~30 MB)."""

    indicators: tuple[Indicator, ...]  # as the matcher sees them ("watchlist/key" ids)
    db_ids: dict[str, int]  # "watchlist/key" → indicator id
    versions: dict[int, str]
    fingerprint: tuple[tuple[int, str], ...]
    _matcher: Matcher | None = None

    @property
    def matcher(self) -> Matcher:
        if self._matcher is None:
            self._matcher = Matcher(self.indicators)
        return self._matcher


def entry_item(entry: StoredEntry) -> Item:
    return Item(
        id=str(entry.id),
        title=entry.title,
        summary=entry.summary,
        link=entry.link,
        published=entry.published_at,
        source=entry.publisher,
    )


class Pipeline:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        owner: str = "cli",
        alerts: AlertSink | None = None,
        deliver: Callable[[], object] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.owner = owner
        self.alerts: AlertSink = alerts or NoAlerts()
        self.policy = FetchPolicy(deadline=settings.fetch_deadline, max_bytes=settings.max_bytes)
        self.stop = threading.Event()
        self.last_tick: datetime | None = None
        self._deliver = deliver
        self.metrics = metrics or Metrics()
        self._rules: RuleSet | None = None
        self.preparer = Preparer(settings.parse_workers)

    def close(self) -> None:
        """Stop the parse workers (the daemon and the commands call this when done)."""
        self.preparer.close()

    def deliver_alerts(self) -> object:
        """Deliver queued alerts now (the daemon also runs this on its own schedule)."""
        return self._deliver() if self._deliver is not None else None

    # -- rules -----------------------------------------------------------------------------
    def rules(self) -> RuleSet:
        """The compiled active indicators; recompiled only when their versions changed."""
        with self.db.read() as session:
            active = indicators_repo.active_indicators(session)
        fingerprint = tuple((s.db_id, s.indicator.version) for s in active)
        if self._rules is None or self._rules.fingerprint != fingerprint:
            # Keys are unique per watch list only; the matcher sees "watchlist/key".
            qualified = [replace(s.indicator, id=s.ref) for s in active]
            self._rules = RuleSet(
                indicators=tuple(qualified),
                db_ids={s.ref: s.db_id for s in active},
                versions={s.db_id: s.indicator.version for s in active},
                fingerprint=fingerprint,
            )
        return self._rules

    # -- one poll --------------------------------------------------------------------------
    def poll(
        self,
        *,
        all_feeds: bool = False,
        progress: Callable[[int, int], None] | None = None,
    ) -> PollSummary:
        """Poll due (or all) feeds once; returns what happened.

        Feeds are claimed in small batches as the fetch queue drains, so several workers
        sharing one PostgreSQL database share the due feeds instead of the first one taking
        them all. The leases of feeds claimed but not yet recorded are renewed every third
        of a lease: results wait their turn on this thread, and behind other workers'
        locks on busy indicators that took longer than a lease (three workers fetched the
        same feeds twice; issue 7, item 4). A feed whose lease was lost anyway (a stall
        past it, and another worker claimed it) is left to that worker.
        """
        summary = PollSummary()
        rules = self.rules()
        started = self.clock()
        with self.db.read() as session:
            total = feeds_repo.count_due(session, started, all_feeds=all_feeds)
        if progress:
            progress(0, total)
        if total >= POOL_MIN_FEEDS:
            self.preparer.arm(rules.indicators, rules.fingerprint)
        else:
            self.preparer.disarm()
        client = make_client(self.policy)
        hosts: dict[str, threading.Semaphore] = {}
        pending: dict[Future[tuple[FetchResult, Prepared | None]], feeds_repo.FeedJob] = {}
        queue: list[feeds_repo.FeedJob] = []
        exhausted = False
        cursor = 0  # --all passes walk feeds by id
        done_count = 0
        width = max(1, self.settings.concurrency)
        lost: set[int] = set()
        renewed = [time.monotonic()]

        def heartbeat() -> None:
            if time.monotonic() - renewed[0] < self.settings.lease / 3:
                return
            held = [j.id for j in queue] + [j.id for j in pending.values()]
            lost.update(self._renew([i for i in held if i not in lost]))
            queue[:] = [j for j in queue if j.id not in lost]
            renewed[0] = time.monotonic()

        def run(job: feeds_repo.FeedJob) -> tuple[FetchResult, Prepared | None]:
            host = urlsplit(job.request.url).hostname or ""
            gate = hosts.setdefault(host, threading.Semaphore(self.settings.per_host))
            with gate:
                result = fetch(client, job.request, self.policy)
            if result.outcome is not FetchOutcome.OK or result.body is None:
                return result, None
            return result, self.preparer.prepare(
                result.body, result.headers, result.final_url, redact_url(job.request.url)
            )

        unchanged: list[tuple[feeds_repo.FeedJob, FetchResult]] = []
        pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="fetch")
        try:
            while not self.stop.is_set():
                heartbeat()
                if not exhausted and len(queue) < width:
                    claimed = self._claim(width * 2, all_feeds, cursor, started)
                    exhausted = not claimed
                    queue.extend(claimed)
                    cursor = max([cursor, *(j.id for j in claimed)])
                while queue and len(pending) < width * 2:
                    job = queue.pop(0)
                    pending[pool.submit(run, job)] = job
                if not pending:
                    break
                done, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    if job.id not in lost:
                        result, prepared = future.result()
                        if prepared is None and result.outcome in _NOTHING_NEW:
                            unchanged.append((job, result))
                        else:
                            self._process(job, result, prepared, rules, summary)
                    heartbeat()
                    done_count += 1
                    if progress:
                        progress(done_count, max(total, done_count))
                if len(unchanged) >= UNCHANGED_BATCH or (unchanged and not done):
                    self._record_unchanged(unchanged, summary)
                    unchanged.clear()
            if unchanged:
                self._record_unchanged(unchanged, summary)
            if self.stop.is_set():
                unfinished = [j.id for j in queue] + [j.id for j in pending.values()]
                if unfinished:
                    with self.db.write() as session:
                        feeds_repo.release_feeds(session, unfinished, self.owner)
        finally:
            # On a stop, do not wait for fetches in flight: closing the client ends them.
            pool.shutdown(wait=not self.stop.is_set(), cancel_futures=True)
            client.close()
        return summary

    def _claim(
        self, limit: int, all_feeds: bool, after_id: int, started: datetime
    ) -> list[feeds_repo.FeedJob]:
        with self.db.write() as session:
            return feeds_repo.claim_due_feeds(
                session,
                self.clock(),
                owner=self.owner,
                lease=timedelta(seconds=self.settings.lease),
                limit=limit,
                all_feeds=all_feeds,
                after_id=after_id,
                pass_started=started,  # once per pass: see claim_due_feeds
            )

    def _renew(self, feed_ids: list[int]) -> set[int]:
        """Renew this worker's leases on ``feed_ids``; returns the ids whose lease was lost."""
        if not feed_ids:
            return set()
        until = self.clock() + timedelta(seconds=self.settings.lease)
        with self.db.write() as session:
            held = feeds_repo.renew_leases(session, feed_ids, self.owner, until)
        if len(held) < len(feed_ids):
            log.warning("%d feed(s) claimed by another worker meanwhile", len(feed_ids) - len(held))
        return set(feed_ids) - held

    def _record_unchanged(
        self, batch: list[tuple[feeds_repo.FeedJob, FetchResult]], summary: PollSummary
    ) -> None:
        """Record feeds that sent nothing new (304, or the same body) in one transaction.

        Such a record only moves the feed's schedule, so several share a transaction: a
        crash loses the batch's records and the feeds are polled again, harmlessly. One
        commit per feed was most of a re-poll of 1,000 unchanged feeds.
        """
        now = self.clock()
        with self.db.write() as session:
            recorded = [
                (job, result)
                for job, result in batch
                if feeds_repo.record_fetch(session, job.id, result, now, owner=self.owner)
            ]
        if len(recorded) < len(batch):
            log.warning("%d feed(s) removed or claimed meanwhile", len(batch) - len(recorded))
        for _job, result in recorded:
            summary.feeds += 1
            summary.not_modified += 1
            self.metrics.fetched(result, result.outcome.value)

    def _process(
        self,
        job: feeds_repo.FeedJob,
        result: FetchResult,
        prepared: Prepared | None,
        rules: RuleSet,
        summary: PollSummary,
    ) -> None:
        """Parse (unless a worker did), store, match, decide and persist one feed's poll in
        one transaction."""
        if prepared is None and result.outcome is FetchOutcome.OK and result.body is not None:
            # No worker pool (a small poll) or it failed: the same work, on this thread.
            shown = redact_url(job.request.url)
            prepared = prepare(result.body, result.headers, result.final_url, shown)
        parsed = prepared.parsed if prepared else None
        parse_error = prepared.error if prepared else None
        known: dict[tuple[str, str], tuple[Evidence, ...]] = {}
        if prepared is not None and prepared.evidence and prepared.fingerprint == rules.fingerprint:
            known = prepared.evidence_by_text()
        now = self.clock()
        fresh: list[StoredEntry] = []
        found: Counter[str] = Counter()
        changes: list[ChangeInfo] = []
        with self.db.write() as session:
            recorded = feeds_repo.record_fetch(
                session,
                job.id,
                result,
                now,
                title=parsed.title if parsed else None,
                parse_error=parse_error,
                owner=self.owner,
            )
            if recorded and parsed is not None:
                fresh = store_entries(session, job.id, parsed.entries, now, job.site)
                touched = self._match(session, fresh, rules, now, found, known)
                for indicator_id in sorted(touched):
                    change = evidence_repo.apply_decision(
                        session, indicator_id, decide, now, "evidence"
                    )
                    if change is not None:
                        changes.append(change)
                        self.alerts.enqueue(session, change, now)
        # Committed: only now does anything count (summary and metrics agree with the db).
        if not recorded:
            log.warning(
                "%s: removed or claimed by another worker meanwhile", redact_url(job.request.url)
            )
            return
        summary.feeds += 1
        if result.outcome is FetchOutcome.ERROR or parse_error:
            summary.failed += 1
            summary.errors.append(
                (redact_url(job.request.url), parse_error[1] if parse_error else result.error or "")
            )
            outcome = "error"
        elif parsed is None:
            summary.not_modified += 1
            outcome = result.outcome.value
        else:
            summary.ok += 1
            outcome = "ok"
        inserted = sum(1 for entry in fresh if entry.is_new)
        summary.new_entries += inserted
        summary.updated_entries += len(fresh) - inserted
        summary.evidence += sum(found.values())
        summary.changes.extend(changes)
        self.metrics.fetched(result, outcome)
        self.metrics.entries.inc(inserted)
        for modality, count in found.items():
            self.metrics.evidence.labels(modality=modality).inc(count)
        for change in changes:
            self.metrics.changed(change)

    def _match(
        self,
        session: Session,
        entries: Sequence[StoredEntry],
        rules: RuleSet,
        now: datetime,
        counts: Counter[str],
        known: dict[tuple[str, str], tuple[Evidence, ...]] | None = None,
    ) -> set[int]:
        touched: set[int] = set()
        # An updated entry may no longer match an indicator it was evidence for: that
        # evidence goes, and the indicator is decided again (issue 7: a revised story kept
        # its old sentence as evidence, and its indicator the status that sentence gave).
        before = evidence_repo.indicators_by_entry(session, [e.id for e in entries if not e.is_new])
        new: list[evidence_repo.NewEvidence] = []
        for entry in entries:
            by_indicator: dict[int, list[Evidence]] = {
                db_id: [] for db_id in before.get(entry.id, ()) if db_id in rules.versions
            }
            found = (known or {}).get((entry.title, entry.summary))
            if found is None:
                found = tuple(rules.matcher.match(entry_item(entry)))
            for ev in found:
                by_indicator.setdefault(rules.db_ids[ev.indicator_id], []).append(ev)
            for db_id, evs in by_indicator.items():
                if entry.is_new:  # nothing to replace: stored with the feed's others below
                    new.append((entry, db_id, rules.versions[db_id], evs))
                else:
                    evidence_repo.replace_evidence(
                        session, entry, db_id, rules.versions[db_id], evs, now
                    )
                counts.update(ev.modality.value for ev in evs)
                touched.add(db_id)
        evidence_repo.add_evidence(session, new, now)
        return touched

    def feeds_in_backoff(self) -> int:
        with self.db.read() as session:
            return feeds_repo.count_failing(session)

    # -- deadlines -------------------------------------------------------------------------
    def check_deadlines(self) -> list[ChangeInfo]:
        """Re-decide indicators whose deadline has passed (records ``overdue``)."""
        now = self.clock()
        changes: list[ChangeInfo] = []
        with self.db.write() as session:
            for stored in indicators_repo.active_indicators(session):
                expected_by = stored.indicator.expected_by
                if expected_by is None or stored.status in ("observed", "confirmed", "overdue"):
                    continue
                change = evidence_repo.apply_decision(
                    session, stored.db_id, decide, now, "deadline"
                )
                if change is not None:
                    changes.append(change)
                    self.alerts.enqueue(session, change, now)
        for change in changes:
            self.metrics.changed(change)
        return changes

"""The pipeline: one poll, in the order below, and nothing decided here.

::

    claim due feeds (a lease; SKIP LOCKED on PostgreSQL)          poller, storage.feeds
     → fetch (httpx: conditional GET, caps, total deadline)       feeds.fetch
     → parse (fast RSS/Atom path, else feedparser; bytes + headers,
       never a URL/path), attribute each entry to its publisher
       and match every entry, in worker processes     feeds.parse, feeds.publisher, prepare
    then, per batch of feeds ready, on the polling thread, in ONE transaction:  batch
     → record each fetch (health, schedule)                       storage.feeds
     → store entries, get back only the new or changed ones       storage.entries
     → evidence of each new entry (the worker's, else matched here) indicators.matcher
     → decide, record and queue alerts for each indicator touched, decisions (status: pure)
       once per batch
    after the feeds: the deadlines (``overdue``)                   decisions
    then: deliver alerts (outbox → channel, retry, mark sent)     alerts (its own job)

The mechanics (claiming in batches, lease heartbeats, fetch threads, giving leases back on
a stop) live in ``monitor.poller``. A feed whose step fails unexpectedly is recorded as
failed (kind ``internal``) and the poll goes on (issue 14, item 7): a batch that fails is
stored again one feed per transaction. Everything that touches the database runs on the
calling thread, one transaction per batch (issue 15: one decision per indicator per batch,
not per feed), so a crash at any moment leaves each feed's poll recorded whole or not at
all (then it is polled again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from monitor.alerts.outbox import AlertSink, NoAlerts
from monitor.batch import FeedDone, Known, ReadyFeed, Sketches, store_batch
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.decisions import deadlines_due, record_deadlines
from monitor.errors import FeedErrorKind
from monitor.feeds.fetch import FetchPolicy
from monitor.feeds.types import FetchOutcome, FetchResult
from monitor.heap import few_collections
from monitor.metrics import Metrics
from monitor.model import ChangeInfo, FeedJob
from monitor.poller import Poller, Progress
from monitor.prepare import POOL_MIN_FEEDS, Prepared, Preparer, prepare
from monitor.ruleset import RuleSet, load_rules
from monitor.secret import redact_url
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database
from monitor.workers import is_gone

log = logging.getLogger("watchlist.pipeline")

# Outcomes with nothing to parse or store: recorded in batches of this many feeds.
_NOTHING_NEW = frozenset({FetchOutcome.NOT_MODIFIED, FetchOutcome.UNCHANGED})
UNCHANGED_BATCH = 50
# In a poll of POOL_MIN_FEEDS feeds or more, feeds with something to store go in batches
# of at most this many (``monitor.batch``): each touched indicator is decided once per
# batch. A feed waits at most BATCH_SECONDS for its batch to fill (and the poller flushes
# when no result came for half a second). A smaller poll (a daemon's usual tick) stores
# each feed as it comes, and decides after each, as before: in a big poll the order in
# which concurrent fetches finish is arbitrary anyway, so a status between two of its
# feeds' reports was never a stable fact; in a small one, the status log keeps them.
BATCH_FEEDS = 20
BATCH_SECONDS = 1.0
_Ready = tuple[FeedJob, FetchResult, Prepared | None, datetime]  # … and when it came


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
    held: dict[str, int] = field(default_factory=dict)  # live workers' claims: owner → feeds
    freed: int = 0  # claims of workers gone (killed) freed before claiming
    released: int = 0  # claims given back unpolled on a stop

    def line(self) -> str:
        return (
            f"{self.feeds} feeds: {self.ok} ok, {self.not_modified} not modified, "
            f"{self.failed} failed; {self.new_entries} new entries"
            + (f" ({self.updated_entries} updated)" if self.updated_entries else "")
            + f", {self.evidence} evidence, "
            f"{len(self.changes)} status changes"
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
        self.stop = threading.Event()
        self._deliver = deliver
        self.metrics = metrics or Metrics()
        self._rules: RuleSet | None = None
        self.preparer = Preparer(settings.parse_workers)
        self._unchanged: list[tuple[FeedJob, FetchResult]] = []
        self._ready: list[_Ready] = []  # fetched feeds waiting for the next batch
        self._ready_since = 0.0
        self._batch_feeds = 1
        self.poller = Poller(
            db,
            settings,
            clock=clock,
            owner=owner,
            stop=self.stop,
            preparer=self.preparer,
            policy=FetchPolicy(deadline=settings.fetch_deadline, max_bytes=settings.max_bytes),
        )

    def close(self) -> None:
        """Stop the parse workers (the daemon and the commands call this when done)."""
        self.preparer.close()

    def deliver_alerts(self) -> object:
        """Deliver queued alerts now (the daemon also runs this on its own schedule)."""
        return self._deliver() if self._deliver is not None else None

    def rules(self) -> RuleSet:
        """The compiled active indicators; recompiled only when their versions changed."""
        self._rules = load_rules(self.db, self._rules)
        return self._rules

    # -- one poll --------------------------------------------------------------------------
    def poll(self, *, all_feeds: bool = False, progress: Progress | None = None) -> PollSummary:
        """Poll due (or all) feeds once, then the deadlines; returns what happened."""
        with few_collections():  # most of what a poll allocates is freed by refcounts
            return self._poll(all_feeds, progress)

    def _poll(self, all_feeds: bool, progress: Progress | None) -> PollSummary:
        summary = PollSummary()
        rules = self.rules()
        summary.freed, summary.held = self._claims_of_others()
        with self.db.read() as session:
            total = feeds_repo.count_due(session, self.clock(), all_feeds=all_feeds)
        if progress:
            progress(0, total)
        if total >= POOL_MIN_FEEDS:
            self.preparer.arm(rules.indicators, rules.fingerprint)
            self._batch_feeds = BATCH_FEEDS
        else:
            self.preparer.disarm()
            self._batch_feeds = 1  # a small poll: one feed per transaction, as it comes

        def step(job: FeedJob, result: FetchResult, prepared: Prepared | None) -> None:
            self._step(job, result, prepared, rules, summary)

        summary.released = self.poller.run(
            step,
            lambda: self._flush(rules, summary),
            all_feeds=all_feeds,
            total=total,
            progress=progress,
            waiting=lambda: [item[0].id for item in self._ready],
        )
        summary.changes.extend(self.check_deadlines())
        return summary

    def _claims_of_others(self) -> tuple[int, dict[str, int]]:
        """Free the claims of workers on this host that are gone; the live others' claims."""
        now = self.clock()
        with self.db.read() as session:  # a write only when there is something to free
            claims = feeds_repo.live_claims(session, now, timedelta(seconds=self.settings.lease))
        gone = [owner for owner in claims if owner != self.owner and is_gone(owner)]
        freed = 0
        if gone:
            with self.db.write() as session:
                freed = sum(feeds_repo.release_owner(session, owner) for owner in gone)
        if freed:
            log.info("freed %d feed claim(s) of stopped worker(s): %s", freed, ", ".join(gone))
        held = {o: n for o, n in claims.items() if o != self.owner and o not in gone}
        return freed, held

    def _step(
        self,
        job: FeedJob,
        result: FetchResult,
        prepared: Prepared | None,
        rules: RuleSet,
        summary: PollSummary,
    ) -> None:
        """One fetched feed: kept for the next batch, stored when the batch is full."""
        if prepared is None and result.outcome in _NOTHING_NEW:
            self._unchanged.append((job, result))
            if len(self._unchanged) >= UNCHANGED_BATCH:
                self._record_unchanged(summary)
            return
        if not self._ready:
            self._ready_since = time.monotonic()
        self._ready.append((job, result, prepared, self.clock()))
        if (
            len(self._ready) >= self._batch_feeds
            or time.monotonic() - self._ready_since >= BATCH_SECONDS
        ):
            self._store_ready(rules, summary)

    def _flush(self, rules: RuleSet, summary: PollSummary) -> None:
        """Store what waits (the poller calls this when no result came for a while, and
        at the end of the poll)."""
        self._record_unchanged(summary)
        self._store_ready(rules, summary)

    def _record_unchanged(self, summary: PollSummary) -> None:
        """Record feeds that sent nothing new (304, or the same body) in one transaction.

        Such a record only moves the feed's schedule, so several share a transaction: a
        crash loses the batch's records and the feeds are polled again, harmlessly. One
        commit per feed was most of a re-poll of 1,000 unchanged feeds.
        """
        batch, self._unchanged = self._unchanged, []
        if not batch:
            return
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

    # -- batches of feeds ------------------------------------------------------------------
    def _store_ready(self, rules: RuleSet, summary: PollSummary) -> None:
        """Store the feeds waiting in one transaction (``monitor.batch``); if that fails
        unexpectedly, again one feed per transaction, each with the per-feed guard, so
        one feed's bug is recorded on that feed and never ends the poll."""
        batch, self._ready = self._ready, []
        if not batch:
            return
        if len(batch) > 1:
            try:
                self._store(batch, rules, summary)
                return
            except Exception:
                log.exception("a batch of %d feeds failed; storing them one by one", len(batch))
        for item in batch:
            self._guarded_store(item, rules, summary)

    def _guarded_store(self, item: _Ready, rules: RuleSet, summary: PollSummary) -> None:
        job, result = item[0], item[1]
        try:
            self._store([item], rules, summary)
        except Exception as exc:  # the guard: any bug in one feed's step
            log.exception("%s: unexpected failure while processing the feed", job.request.url)
            message = f"{job.request.url}: internal error: {type(exc).__name__}: {exc}"
            with self.db.write() as session:
                recorded = feeds_repo.record_fetch(
                    session,
                    job.id,
                    result,
                    self.clock(),
                    parse_error=(FeedErrorKind.INTERNAL, message),
                    owner=self.owner,
                )
            if recorded:
                summary.feeds += 1
                summary.failed += 1
                summary.errors.append((job.request.url, message))
                self.metrics.fetched(result, "error")

    def _store(self, batch: Sequence[_Ready], rules: RuleSet, summary: PollSummary) -> None:
        """Record, store, match and decide the batch in one transaction; count each feed
        once committed."""
        feeds = [_ready_feed(*item, rules) for item in batch]
        now = self.clock()
        with self.db.write() as session:
            done, changes = store_batch(session, feeds, rules, now, self.owner, self.alerts)
        # Committed: only now does anything count (summary and metrics agree with the db).
        for feed, outcome in zip(feeds, done, strict=True):
            if outcome.recorded:
                self._count(feed, outcome, summary)
            else:
                shown = redact_url(feed.job.request.url)
                log.warning("%s: removed or claimed by another worker meanwhile", shown)
        summary.changes.extend(changes)
        for change in changes:
            self.metrics.changed(change)

    def _count(self, feed: ReadyFeed, done: FeedDone, summary: PollSummary) -> None:
        result, parse_error = feed.result, feed.parse_error
        summary.feeds += 1
        if result.outcome is FetchOutcome.ERROR or parse_error:
            summary.failed += 1
            summary.errors.append(
                (
                    redact_url(feed.job.request.url),
                    parse_error[1] if parse_error else result.error or "",
                )
            )
            outcome = "error"
        elif feed.parsed is None:
            summary.not_modified += 1
            outcome = result.outcome.value
        else:
            summary.ok += 1
            outcome = "ok"
        inserted = sum(1 for entry in done.fresh if entry.is_new)  # updates apart (issue 16)
        summary.new_entries += inserted
        summary.updated_entries += len(done.fresh) - inserted
        summary.evidence += sum(done.found.values())
        self.metrics.fetched(result, outcome)
        self.metrics.entries.inc(inserted)
        for modality, count in done.found.items():
            self.metrics.evidence.labels(modality=modality).inc(count)

    def feeds_in_backoff(self) -> int:
        with self.db.read() as session:
            return feeds_repo.count_failing(session)

    # -- deadlines -------------------------------------------------------------------------
    def check_deadlines(self) -> list[ChangeInfo]:
        """Decide again the indicators whose deadline has passed (records ``overdue``)."""
        now = self.clock()
        with self.db.read() as session:  # most polls find none: no write transaction then
            due = deadlines_due(session, now)
        if not due:
            return []
        with self.db.write() as session:
            changes = record_deadlines(session, now, self.alerts)
        for change in changes:
            self.metrics.changed(change)
        return changes


def _ready_feed(
    job: FeedJob, result: FetchResult, prepared: Prepared | None, at: datetime, rules: RuleSet
) -> ReadyFeed:
    """A fetched feed parsed and matched: by a worker, else (a small poll, or the worker
    failed) here, on the calling thread."""
    if prepared is None and result.body is not None:
        shown = redact_url(job.request.url)  # messages never carry a password (issue 16)
        prepared = prepare(result.body, result.headers, result.final_url, shown)
    parsed = prepared.parsed if prepared else None  # attributed by ``prepare``
    known: Known = {}
    sketches: Sketches = {}
    if prepared is not None and prepared.evidence and prepared.fingerprint == rules.fingerprint:
        known, sketches = prepared.evidence_by_text(), prepared.sketches_by_text()
        prepared.remember()
    error = prepared.error if prepared else None
    return ReadyFeed(job, result, at, parsed, error, known, sketches)

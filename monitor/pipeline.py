"""The pipeline: one poll, in the order below, and nothing decided here.

::

    claim due feeds (a lease; SKIP LOCKED on PostgreSQL)          poller, storage.feeds
     → fetch (httpx: conditional GET, caps, total deadline)       feeds.fetch
     → parse (fast RSS/Atom path, else feedparser; bytes + headers,
       never a URL/path) and match every entry, in worker processes  feeds.parse, prepare
    then, per feed, on the polling thread, in ONE transaction:      Pipeline.process_feed
     → record the fetch (health, schedule)                        storage.feeds
     → attribute each entry to its publisher                      feeds.publisher
     → store entries, get back only the new or changed ones       storage.entries
     → evidence of each new entry (the worker's, else matched here) indicators.matcher
     → decide, record and queue alerts for each indicator touched decisions (status: pure)
    after the feeds: the deadlines (``overdue``)                   decisions
    then: deliver alerts (outbox → channel, retry, mark sent)     alerts (its own job)

The mechanics (claiming in batches, lease heartbeats, fetch threads, giving leases back on
a stop) live in ``monitor.poller``. A feed whose step fails unexpectedly is recorded as
failed (kind ``internal``) and the poll goes on (issue 14, item 7). Everything that touches
the database runs on the calling thread, one transaction per feed, so a crash at any
moment leaves either the whole feed's poll recorded or none of it.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from indicators.model import Evidence
from monitor.alerts.outbox import AlertSink, NoAlerts
from monitor.clock import Clock, utcnow
from monitor.config import Settings
from monitor.decisions import deadlines_due, record_deadlines, record_decision
from monitor.errors import FeedErrorKind
from monitor.feeds.fetch import FetchPolicy
from monitor.feeds.publisher import attribute
from monitor.feeds.types import FetchOutcome, FetchResult, ParsedFeed
from monitor.metrics import Metrics
from monitor.model import Cause, ChangeInfo, FeedJob, StoredEntry
from monitor.poller import Poller, Progress
from monitor.prepare import POOL_MIN_FEEDS, Prepared, Preparer, prepare
from monitor.ruleset import RuleSet, entry_item, load_rules
from monitor.secret import redact_url
from monitor.storage import evidence as evidence_repo
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database, Session
from monitor.storage.entries import store_entries
from monitor.workers import is_gone

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


@dataclass
class _FeedResult:
    """What one feed's committed step found (counted only after the commit)."""

    fresh: list[StoredEntry] = field(default_factory=list)
    found: Counter[str] = field(default_factory=Counter)
    changes: list[ChangeInfo] = field(default_factory=list)


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
        summary = PollSummary()
        rules = self.rules()
        summary.freed, summary.held = self._claims_of_others()
        with self.db.read() as session:
            total = feeds_repo.count_due(session, self.clock(), all_feeds=all_feeds)
        if progress:
            progress(0, total)
        if total >= POOL_MIN_FEEDS:
            self.preparer.arm(rules.indicators, rules.fingerprint)
        else:
            self.preparer.disarm()

        def step(job: FeedJob, result: FetchResult, prepared: Prepared | None) -> None:
            self._guarded_step(job, result, prepared, rules, summary)

        summary.released = self.poller.run(
            step,
            lambda: self._record_unchanged(summary),
            all_feeds=all_feeds,
            total=total,
            progress=progress,
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

    def _guarded_step(
        self,
        job: FeedJob,
        result: FetchResult,
        prepared: Prepared | None,
        rules: RuleSet,
        summary: PollSummary,
    ) -> None:
        """One feed's step; an unexpected failure is recorded on that feed, and the poll
        goes on (one feed's bug must not end a tick and strand its batch's leases)."""
        if prepared is None and result.outcome in _NOTHING_NEW:
            self._unchanged.append((job, result))
            if len(self._unchanged) >= UNCHANGED_BATCH:
                self._record_unchanged(summary)
            return
        try:
            self.process_feed(job, result, prepared, rules, summary)
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

    # -- one feed --------------------------------------------------------------------------
    def process_feed(
        self,
        job: FeedJob,
        result: FetchResult,
        prepared: Prepared | None,
        rules: RuleSet,
        summary: PollSummary,
    ) -> None:
        """Record the fetch, attribute, store, match, decide and queue alerts for one feed,
        in one transaction; count it once committed."""
        if prepared is None and result.body is not None:
            # No worker pool (a small poll) or it failed: the same work, on this thread.
            shown = redact_url(job.request.url)  # messages never carry a password (issue 16)
            prepared = prepare(result.body, result.headers, result.final_url, shown)
        parsed = (
            attribute(prepared.parsed, job.request.url) if prepared and prepared.parsed else None
        )
        parse_error = prepared.error if prepared else None
        known: dict[tuple[str, str], tuple[Evidence, ...]] = {}
        if prepared is not None and prepared.evidence and prepared.fingerprint == rules.fingerprint:
            known = prepared.evidence_by_text()
        now = self.clock()
        done = _FeedResult()
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
                self._store_and_decide(session, job, parsed, rules, now, known, done)
        # Committed: only now does anything count (summary and metrics agree with the db).
        if not recorded:
            log.warning(
                "%s: removed or claimed by another worker meanwhile", redact_url(job.request.url)
            )
            return
        self._count(job, result, parsed, parse_error, done, summary)

    def _store_and_decide(
        self,
        session: Session,
        job: FeedJob,
        parsed: ParsedFeed,
        rules: RuleSet,
        now: datetime,
        known: dict[tuple[str, str], tuple[Evidence, ...]],
        done: _FeedResult,
    ) -> None:
        done.fresh = store_entries(session, job.id, parsed.entries, now, job.site)
        touched = self._match(session, done.fresh, rules, now, done.found, known)
        for indicator_id in sorted(touched):
            change = record_decision(session, indicator_id, now, Cause.EVIDENCE, self.alerts)
            if change is not None:
                done.changes.append(change)

    def _count(
        self,
        job: FeedJob,
        result: FetchResult,
        parsed: ParsedFeed | None,
        parse_error: tuple[str, str] | None,
        done: _FeedResult,
        summary: PollSummary,
    ) -> None:
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
        inserted = sum(1 for entry in done.fresh if entry.is_new)  # updates apart (issue 16)
        summary.new_entries += inserted
        summary.updated_entries += len(done.fresh) - inserted
        summary.evidence += sum(done.found.values())
        summary.changes.extend(done.changes)
        self.metrics.fetched(result, outcome)
        self.metrics.entries.inc(inserted)
        for modality, count in done.found.items():
            self.metrics.evidence.labels(modality=modality).inc(count)
        for change in done.changes:
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

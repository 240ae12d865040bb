"""The mechanics of one poll: claim feeds, keep their leases, fetch them on threads.

``Poller.run`` claims due feeds in small batches as the fetch queue drains, so several
workers sharing one PostgreSQL database share the due feeds instead of the first one
taking them all. Each claimed feed is fetched (and its body handed to a parse worker) on a
thread; each result comes back to the calling thread, which hands it to the pipeline's
per-feed step. The leases of feeds claimed but not yet recorded are renewed every third
of a lease: results wait their turn on this thread, and behind other workers' locks on
busy indicators that took longer than a lease (issue 7, item 4). A feed whose lease was
lost anyway (a stall past it, and another worker claimed it) is left to that worker.

On a stop (a signal), no new feed is taken, the feed being written is finished, and the
leases of the rest are given back at once (issue 14, item 5).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from monitor.clock import Clock
from monitor.config import Settings
from monitor.errors import FeedErrorKind
from monitor.feeds.fetch import FetchPolicy, fetch, make_client
from monitor.feeds.types import FetchOutcome, FetchResult
from monitor.model import FeedJob
from monitor.prepare import Prepared, Preparer
from monitor.secret import redact_url
from monitor.storage import feeds as feeds_repo
from monitor.storage.db import Database

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("watchlist.poller")

IN_FLIGHT = 2  # feeds queued or fetched per fetch thread, ahead of the calling thread

Fetched = tuple[FetchResult, Prepared | None]
Step = Callable[[FeedJob, FetchResult, Prepared | None], None]
Progress = Callable[[int, int], None]


@dataclass
class _Claims:
    """The feeds this poll holds: queued for a fetch, or being fetched."""

    queue: list[FeedJob] = field(default_factory=list)
    pending: dict[Future[Fetched], FeedJob] = field(default_factory=dict)
    lost: set[int] = field(default_factory=set)
    renewed: float = field(default_factory=time.monotonic)
    # Feeds handed to the step and waiting for its batch (``monitor.batch``): still ours.
    waiting: Callable[[], list[int]] = list

    def held(self) -> list[int]:
        ids = [j.id for j in self.queue] + [j.id for j in self.pending.values()]
        return [i for i in ids if i not in self.lost]

    def renewable(self) -> list[int]:
        return self.held() + [i for i in self.waiting() if i not in self.lost]


def _submit(
    claims: _Claims, pool: ThreadPoolExecutor, fetch: Callable[[FeedJob], Fetched], width: int
) -> None:
    """Queue claimed feeds for the fetch threads: up to ``IN_FLIGHT`` times ``width``, so
    that results wait for the calling thread while it stores a batch, not the reverse."""
    while claims.queue and len(claims.pending) < width * IN_FLIGHT:
        job = claims.queue.pop(0)
        claims.pending[pool.submit(fetch, job)] = job


def _outcome(future: Future[Fetched], job: FeedJob) -> Fetched:
    """The fetch thread's result; an unexpected exception there is that feed's failure
    (recorded like any other), not the poll's."""
    try:
        return future.result()
    except Exception as exc:  # the guard, fetch side: any bug in one feed's fetch
        log.exception("%s: unexpected failure while fetching the feed", job.request.url)
        message = f"{job.request.url}: internal error: {type(exc).__name__}: {exc}"
        error = FetchResult(
            FetchOutcome.ERROR, job.request.url, error_kind=FeedErrorKind.INTERNAL, error=message
        )
        return error, None


class Poller:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock,
        owner: str,
        stop: threading.Event,
        preparer: Preparer,
        policy: FetchPolicy,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.owner = owner
        self.stop = stop
        self.preparer = preparer
        self.policy = policy
        self._hosts: dict[str, threading.Semaphore] = {}

    def run(
        self,
        step: Step,
        flush: Callable[[], None],
        *,
        all_feeds: bool,
        total: int,
        progress: Progress | None = None,
        waiting: Callable[[], list[int]] = list,
    ) -> int:
        """Fetch every due (or every) feed and hand each result to ``step``; ``flush`` is
        called when no result came in a while, and at the end (the step may batch).
        ``waiting`` names the feeds handed to ``step`` and not yet recorded: their leases
        are renewed with the others'. Returns the number of leases given back on a stop."""
        started = self.clock()
        claims = _Claims(waiting=waiting)
        width = max(1, self.settings.concurrency)
        cursor, exhausted, done_count = 0, False, 0  # --all passes walk feeds by id
        client = make_client(self.policy)
        pool = ThreadPoolExecutor(max_workers=width, thread_name_prefix="fetch")
        try:
            while not self.stop.is_set():
                self._heartbeat(claims)
                if not exhausted and len(claims.queue) < width:
                    claimed = self._claim(width * 2, all_feeds, cursor, started)
                    exhausted = not claimed
                    claims.queue.extend(claimed)
                    cursor = max([cursor, *(j.id for j in claimed)])
                _submit(claims, pool, lambda job: self._fetch(client, job), width)
                if not claims.pending:
                    break
                done, _ = wait(list(claims.pending), timeout=0.5, return_when=FIRST_COMPLETED)
                for future in done:
                    job = claims.pending.pop(future)
                    if job.id not in claims.lost:
                        step(job, *_outcome(future, job))
                    # The step may have stored a batch (~0.5 s): the fetch threads and the
                    # parse workers get more work at once, not after every result in hand
                    # is stepped (at 200 feeds they stood idle ~0.25 s a batch).
                    _submit(claims, pool, lambda job: self._fetch(client, job), width)
                    self._heartbeat(claims)
                    done_count += 1
                    if progress:
                        progress(done_count, max(total, done_count))
                if not done:
                    flush()
            flush()
            return self._release(claims) if self.stop.is_set() else 0
        finally:
            # On a stop, do not wait for fetches in flight: closing the client ends them.
            pool.shutdown(wait=not self.stop.is_set(), cancel_futures=True)
            client.close()

    def _fetch(self, client: httpx.Client, job: FeedJob) -> Fetched:
        host = urlsplit(job.request.url).hostname or ""
        gate = self._hosts.setdefault(host, threading.Semaphore(self.settings.per_host))
        with gate:
            result = fetch(client, job.request, self.policy)
        if result.body is None:
            return result, None
        return result, self.preparer.prepare(  # messages never carry a password (issue 16)
            result.body, result.headers, result.final_url, redact_url(job.request.url)
        )

    def _claim(
        self, limit: int, all_feeds: bool, after_id: int, started: datetime
    ) -> list[FeedJob]:
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

    def _heartbeat(self, claims: _Claims) -> None:
        """Renew this worker's leases every third of a lease; forget the feeds lost."""
        if time.monotonic() - claims.renewed < self.settings.lease / 3:
            return
        held = claims.renewable()
        if held:
            until = self.clock() + timedelta(seconds=self.settings.lease)
            with self.db.write() as session:
                kept = feeds_repo.renew_leases(session, held, self.owner, until)
            if len(kept) < len(held):
                log.warning("%d feed(s) claimed by another worker meanwhile", len(held) - len(kept))
            claims.lost.update(set(held) - kept)
            claims.queue[:] = [j for j in claims.queue if j.id not in claims.lost]
        claims.renewed = time.monotonic()

    def _release(self, claims: _Claims) -> int:
        unfinished = claims.held()
        if unfinished:
            with self.db.write() as session:
                feeds_repo.release_feeds(session, unfinished, self.owner)
        return len(unfinished)

"""Parse and match fetched feeds in worker processes, off the thread that writes.

A poll's CPU work is parsing and matching (docs/benchmarks.md); the database work is
serial on the calling thread. In one process the GIL makes them take turns; in a pool of
worker processes (one per core) they run beside it. A worker receives a fetched body and
returns the parsed feed and, for each entry, the evidence the rules find in it: plain,
picklable values (``ParsedFeed``, ``Evidence``). The calling thread stores the entries and
uses the evidence of those that are new; an entry the worker did not match (rules changed
meanwhile) is matched on the calling thread as before.

Replay uses the same workers for entries already stored (``match_texts``,
``Preparer.match_all``): batches of (id, title, summary) in, per entry the evidence and,
for an entry with evidence, its sketch and band keys out, a few batches in flight.

The pool is started by a *forkserver*, never by forking the daemon itself: the daemon has
scheduler, fetch and health threads whose locks a forked child would inherit held. It is
started when a poll big enough to gain from it (``POOL_MIN_FEEDS``) first has a body to
parse, restarted when the active rules change, and a worker that dies (a hostile document
exhausting memory) costs only that feed's parse, redone on the calling thread.
"""

from __future__ import annotations

import gc
import importlib.machinery
import logging
import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TypeVar

from indicators.events import lexicon
from indicators.matcher import Matcher
from indicators.model import Evidence, Indicator, Item
from indicators.similarity import compute_bands, remember_bands
from monitor.errors import FeedError
from monitor.feeds.parse import parse_feed
from monitor.feeds.publisher import attribute
from monitor.feeds.types import ParsedFeed
from monitor.model import entry_sketch

log = logging.getLogger("watchlist.prepare")

# The event lexicon is built when this module is imported: in the forkserver that preloads
# it, before any worker forks, so the workers share one copy instead of building one each.
lexicon()

POOL_MIN_FEEDS = 20  # a smaller poll is not worth the pool's start-up (~0.5 s)

IN_FLIGHT = 2  # batches queued per worker (replay): one running, one waiting
WORKER_NICENESS = 10  # added to the workers' niceness (``_start_worker``)

_Fingerprint = tuple[tuple[int, str], ...]
Text = tuple[str, str, str]  # a stored entry as the matcher reads it: id, title, summary
_Batch = TypeVar("_Batch")


@dataclass(frozen=True)
class Prepared:
    """A fetched body parsed (or the reason it could not be) and its entries matched."""

    parsed: ParsedFeed | None
    error: tuple[str, str] | None  # (kind, message) as for a FeedError
    evidence: tuple[tuple[Evidence, ...], ...]  # per parsed entry, in order
    fingerprint: _Fingerprint  # the rules the evidence was found with
    # Per parsed entry, the near-duplicate sketch of an entry with evidence (storage keeps
    # one for each), else None: computed here so that the writing thread does not.
    sketches: tuple[tuple[int, ...] | None, ...] = ()
    # The band keys of each sketch (``similarity.compute_bands``), in the same order: the
    # calling thread remembers them (``remember``) instead of computing them.
    bands: tuple[tuple[int, ...] | None, ...] = ()

    def evidence_by_text(self) -> dict[tuple[str, str], tuple[Evidence, ...]]:
        """Evidence keyed by (title, summary): all the matcher reads of an entry."""
        if self.parsed is None:
            return {}
        return {
            (e.title, e.summary): found
            for e, found in zip(self.parsed.entries, self.evidence, strict=True)
        }

    def remember(self) -> None:
        """Give the band keys computed here to ``similarity.bands``'s memory."""
        for sk, keys in zip(self.sketches, self.bands, strict=False):
            if sk is not None and keys is not None:
                remember_bands(sk, keys)

    def sketches_by_text(self) -> dict[tuple[str, str], tuple[int, ...]]:
        """The sketches computed, keyed like ``evidence_by_text``."""
        if self.parsed is None or not self.sketches:
            return {}
        return {
            (e.title, e.summary): sk
            for e, sk in zip(self.parsed.entries, self.sketches, strict=True)
            if sk is not None
        }


# -- in the worker process ---------------------------------------------------------------------


@dataclass
class _WorkerState:
    """What a worker holds between tasks: the compiled rules, built once at its start."""

    matcher: Matcher | None = None
    fingerprint: _Fingerprint = ()


_worker = _WorkerState()  # in the polling process it stays empty: no rules, no matching


def _start_worker(indicators: Sequence[Indicator], fingerprint: _Fingerprint) -> None:
    # What the forkserver imported (modules, the lexicon, NumPy) is shared with it until
    # written to, and the garbage collector writes to every object it walks: frozen, it
    # never walks them, and their pages stay shared.
    gc.freeze()
    if hasattr(os, "nice"):  # POSIX
        # Below the thread that writes: a big poll waits on that thread (one transaction
        # per batch, in order), and the workers have time to spare; at the same priority
        # they took the writer's cores (200 realistic feeds, two cores: the batches' stores
        # took 6.5 s, 5.0 s at niceness 10; on PostgreSQL its server gains the same way).
        os.nice(WORKER_NICENESS)
    _worker.matcher = Matcher(indicators)
    _worker.fingerprint = fingerprint


def prepare(body: bytes, headers: Mapping[str, str], url: str, shown_url: str) -> Prepared:
    """Parse ``body``, attribute its entries to publishers (``feeds.publisher``) and match
    them (runs in a worker; also callable in process). ``shown_url`` is the feed's URL
    fit to show (``redact_url``)."""
    try:
        # Attributed here, off the thread that writes (~25 µs an entry): from the feed's
        # host, which its shown URL keeps (``redact_url`` masks userinfo and secrets).
        parsed = attribute(parse_feed(body, headers, url), shown_url)
    except FeedError as exc:
        return Prepared(None, (exc.kind, f"{shown_url}: {exc.message}"), (), ())
    except Exception as exc:
        # A parser bug on hostile input is this feed's failure, never the poll's.
        log.exception("parsing %s failed", shown_url)
        return Prepared(None, ("malformed", f"{shown_url}: the parser failed: {exc!r}"), (), ())
    matcher = _worker.matcher
    if matcher is None:
        return Prepared(parsed, None, (), ())
    matched = _match_batch(matcher, [("", e.title, e.summary) for e in parsed.entries])
    return Prepared(
        parsed,
        None,
        tuple(m.evidence for m in matched),
        _worker.fingerprint,
        tuple(m.sketch for m in matched),
        tuple(m.bands for m in matched),
    )


@dataclass(frozen=True)
class Matched:
    """A stored entry matched again (replay): its evidence and, when it has some, its
    sketch and band keys, as a fetched entry gets them (``prepare``)."""

    evidence: tuple[Evidence, ...]
    sketch: tuple[int, ...] | None = None
    bands: tuple[int, ...] | None = None


def match_text(matcher: Matcher, text: Text) -> Matched:
    """One stored entry, in process (no worker): its band keys in plain Python."""
    found, sk = _found(matcher, text)
    return Matched(found, sk, None if sk is None else compute_bands(sk))


def _found(matcher: Matcher, text: Text) -> tuple[tuple[Evidence, ...], tuple[int, ...] | None]:
    """An entry's evidence and, when it has some, its sketch."""
    item_id, title, summary = text
    item = Item(item_id, title, summary)
    found = tuple(matcher.match(item))
    return found, (entry_sketch(title, summary, matcher.words_of(item)) if found else None)


def _match_batch(matcher: Matcher, texts: Sequence[Text]) -> list[Matched]:
    """Entries matched in a worker: the band keys of all their sketches at once, with
    NumPy (``indicators.banding``, which the forkserver preloads)."""
    from indicators.banding import bands_of

    found = [_found(matcher, text) for text in texts]
    keys = iter(bands_of([sk for _, sk in found if sk is not None]))
    return [Matched(ev, sk, None if sk is None else next(keys)) for ev, sk in found]


def match_texts(texts: Sequence[Text], fingerprint: _Fingerprint) -> tuple[Matched, ...] | None:
    """Match a batch of stored entries (runs in a worker); None if the worker holds other
    rules than ``fingerprint`` (then the caller matches the batch itself)."""
    matcher = _worker.matcher
    if matcher is None or _worker.fingerprint != fingerprint:
        return None
    return tuple(_match_batch(matcher, texts))


def _warm_up() -> None:
    """Nothing: submitted to start a worker (``Preparer.arm``)."""


_Task = Callable[[bytes, Mapping[str, str], str, str], Prepared]


# -- in the polling process ----------------------------------------------------------------------


def _workers_skip_main_script() -> None:
    """Keep multiprocessing from importing the main script in every worker.

    A child re-imports the parent's ``__main__`` unless that module is a package's
    ``__main__`` (it has a spec named ``….__main__``). The ``watchlist`` console script
    has no spec, and importing it loads the whole CLI: ~40 MB per worker, which the
    workers never use (they run ``monitor.prepare`` only). Giving the script such a spec
    makes the children skip it. (Preloading ``__main__`` in the forkserver would share
    it instead, but Python 3.11 never passes the path it needs for that.)
    """
    main = sys.modules.get("__main__")
    if main is not None and getattr(main, "__spec__", None) is None:
        main.__spec__ = importlib.machinery.ModuleSpec("watchlist_script.__main__", None)


class Preparer:
    """The worker pool, as the pipeline sees it: ``prepare`` a body, or None to do it here."""

    def __init__(self, workers: int | None = None, *, task: _Task | None = None) -> None:
        self._task: _Task = task or prepare  # what a worker runs (tests pass another)
        # One per core: the polling thread's database work is mostly waiting on SQLite or
        # PostgreSQL, and a spare worker keeps both cores busy (docs/benchmarks.md).
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None
        self._fingerprint: _Fingerprint = ()
        self._wanted: tuple[tuple[Indicator, ...], _Fingerprint] | None = None
        self._lock = threading.Lock()  # fetch threads call ``prepare`` concurrently

    @property
    def enabled(self) -> bool:
        return self.workers > 0

    def arm(self, indicators: Sequence[Indicator], fingerprint: _Fingerprint) -> None:
        """Use a pool whose workers hold these rules, started now, in the background.

        Its workers start (a forkserver, then each compiles the rules: ~0.4 s) while the
        poll claims its feeds and waits for the first answers, so the first fetched body
        does not wait for them (issue 15: at 200 realistic feeds, the cores stood half
        idle for the first half second). A poll where every feed answers 304 parses
        nothing and waits for none of it; it pays the start in CPU only, once in a
        daemon's life (the pool stays until the rules change)."""
        with self._lock:
            self._wanted = (tuple(indicators), fingerprint)
            running = self._pool
            self._start(*self._wanted)
            pool = self._pool
        if pool is None or pool is running:
            return
        try:
            for _ in range(self.workers):  # each spawns a worker that has none idle
                pool.submit(_warm_up)
        except (BrokenProcessPool, RuntimeError):
            pass  # broken or closed meanwhile: the first ``prepare`` starts a fresh one

    def disarm(self) -> None:
        """Parse on the calling thread from now on (a small poll); a running pool stays."""
        with self._lock:
            self._wanted = None

    def _start(self, indicators: Sequence[Indicator], fingerprint: _Fingerprint) -> None:
        """Have a pool whose workers hold these rules (restarted only when they changed)."""
        if not self.enabled or (self._pool is not None and fingerprint == self._fingerprint):
            return
        self._close()
        _workers_skip_main_script()
        context = multiprocessing.get_context("forkserver")
        # The workers' band keys (``indicators.banding``, NumPy): imported once, shared.
        context.set_forkserver_preload(["monitor.prepare", "indicators.banding"])
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(tuple(indicators), fingerprint),
        )
        self._fingerprint = fingerprint

    def prepare(
        self, body: bytes, headers: Mapping[str, str], url: str, shown_url: str
    ) -> Prepared | None:
        """Parse and match in a worker and wait for it; None if there is no working pool."""
        with self._lock:
            if self._wanted is None:
                return None
            self._start(*self._wanted)
            pool = self._pool
        if pool is None:
            return None
        try:
            future: Future[Prepared] = pool.submit(self._task, body, dict(headers), url, shown_url)
            return future.result()
        except BrokenProcessPool:
            # A worker died (out of memory on a hostile body, killed): this feed is parsed
            # on the calling thread; the next poll starts a fresh pool.
            log.warning("a parse worker died on %s; parsing it in process", shown_url)
            self._forget(pool)
            return None
        except (RuntimeError, CancelledError):  # submitted while closing, or cancelled by it
            return None

    def match_all(
        self,
        rules: tuple[Sequence[Indicator], _Fingerprint],
        batches: Iterable[_Batch],
        texts: Callable[[_Batch], Sequence[Text]],
        ahead: int = IN_FLIGHT,
    ) -> Iterator[tuple[_Batch, tuple[Matched, ...] | None]]:
        """Each batch with its entries matched by ``rules`` (indicators, fingerprint) in the
        workers, in order, ``ahead`` batches per worker queued; None for a batch no worker
        matched (no pool, or it broke), which the caller matches itself."""
        indicators, fingerprint = rules
        with self._lock:
            self._start(indicators, fingerprint)
            pool = self._pool
        if pool is None:
            yield from ((batch, None) for batch in batches)
            return
        pending: deque[tuple[_Batch, Future[tuple[Matched, ...] | None] | None]] = deque()
        for batch in batches:
            pending.append((batch, self._submit(pool, texts(batch), fingerprint)))
            if len(pending) > ahead * self.workers:
                yield self._result(pool, *pending.popleft())
        while pending:
            yield self._result(pool, *pending.popleft())

    def _submit(
        self, pool: ProcessPoolExecutor, texts: Sequence[Text], fingerprint: _Fingerprint
    ) -> Future[tuple[Matched, ...] | None] | None:
        try:
            return pool.submit(match_texts, texts, fingerprint)
        except (BrokenProcessPool, RuntimeError):  # broken, or closed meanwhile
            return None

    def _result(
        self,
        pool: ProcessPoolExecutor,
        batch: _Batch,
        future: Future[tuple[Matched, ...] | None] | None,
    ) -> tuple[_Batch, tuple[Matched, ...] | None]:
        if future is None:
            return batch, None
        try:
            return batch, future.result()
        except BrokenProcessPool:
            log.warning("a match worker died; matching its batch in process")
            self._forget(pool)
            return batch, None
        except CancelledError:  # cancelled by ``close``
            return batch, None

    def _forget(self, pool: ProcessPoolExecutor) -> None:
        """A worker died: drop the pool (the next use starts a fresh one)."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            self._wanted = None
            self._close()

    def _close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

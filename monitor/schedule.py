"""When to poll a feed next: a pure decision with ``now`` passed in.

Failing feeds back off exponentially (interval × 2^(failures-1)) up to ``MAX_BACKOFF``,
and are never disabled: a feed that comes back is picked up again on its own. A server's
``Retry-After`` (already clamped by the fetcher) wins when it asks for longer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_BACKOFF = timedelta(hours=24)


def next_poll_at(
    now: datetime,
    interval: timedelta,
    consecutive_errors: int,
    retry_after: timedelta | None = None,
) -> datetime:
    if consecutive_errors <= 0:
        delay = interval
    else:
        factor = 2 ** min(consecutive_errors - 1, 16)
        delay = min(interval * factor, max(MAX_BACKOFF, interval))
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return now + delay

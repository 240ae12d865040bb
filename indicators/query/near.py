"""NEAR's distance test over token spans, as one sweep (issue 16: it compared every pair)."""

from __future__ import annotations

Span = tuple[int, int]  # first and last token index, inclusive


def near_to(xs: list[Span], ys: list[Span], distance: int) -> list[Span]:
    """The spans of ``xs`` at most ``distance`` positions from some span of ``ys``, in
    the order of ``xs``.

    The gap between spans is max(0, y0 - x1, x0 - y1) (overlap is 0 apart); with
    ``distance >= 0`` that is within range exactly when both differences are, i.e. when
    some y with ``y0 <= x1 + distance`` has ``y1 >= x0 - distance``. One sweep: xs by
    ``x1``, ys by ``y0``, keeping the largest ``y1`` of the ys passed so far. Comparing
    every pair was quadratic: 17 s on a 220 KB item (issue 16).
    """
    if not xs or not ys:
        return []
    if len(xs) * len(ys) <= _PAIRS_DIRECT:  # the usual case: a few spans on each side
        out: list[Span] = []
        for x in xs:  # plain loops: this runs on every NEAR candidate
            x0, x1 = x
            for y0, y1 in ys:
                if y0 - x1 <= distance and x0 - y1 <= distance:
                    out.append(x)
                    break
        return out
    by_start = sorted(ys)
    keep = [False] * len(xs)
    reach: int | None = None  # the largest y1 among ys with y0 <= the current bound
    at = 0
    for index in sorted(range(len(xs)), key=lambda i: xs[i][1]):
        x0, x1 = xs[index]
        bound = x1 + distance
        while at < len(by_start) and by_start[at][0] <= bound:
            end = by_start[at][1]
            reach = end if reach is None or end > reach else reach
            at += 1
        keep[index] = reach is not None and reach >= x0 - distance
    return [x for x, kept in zip(xs, keep, strict=True) if kept]


_PAIRS_DIRECT = 64  # below this many pairs, comparing them all is cheaper than sorting


def any_near(xs: list[Span], ys: list[Span], distance: int) -> bool:
    """Whether some span of ``xs`` is at most ``distance`` positions from some span of
    ``ys``: ``near_to`` for a yes or no, which stops at the first pair (a test on a large
    item need not sweep it all)."""
    if not xs or not ys:
        return False
    by_end = sorted(xs, key=lambda x: x[1]) if len(xs) > 1 else xs
    by_start = sorted(ys) if len(ys) > 1 else ys
    reach: int | None = None
    at = 0
    for x0, x1 in by_end:
        bound = x1 + distance
        while at < len(by_start) and by_start[at][0] <= bound:
            end = by_start[at][1]
            reach = end if reach is None or end > reach else reach
            at += 1
        if reach is not None and reach >= x0 - distance:
            return True
    return False

"""The read-only pages: board, indicator, feeds, alerts, and the login form.

Synchronous endpoints (Starlette runs them in its thread pool): one read transaction
each, through ``monitor.storage.views`` (aggregates and indexed, bounded queries).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from monitor import reports
from monitor.errors import StorageError
from monitor.storage import alerts as outbox
from monitor.storage import feeds as feeds_repo
from monitor.storage import views
from monitor.web import timeline
from monitor.web.context import Context
from monitor.web.markup import STATUSES

TRAIL_PAGE = 100


def board(request: Request) -> Response:
    ctx = Context.of(request)
    watchlist = request.query_params.get("watchlist") or None
    status = request.query_params.get("status") or None
    if status is not None and status not in STATUSES:
        status = None
    with ctx.db.read() as session:
        titles = views.watchlist_titles(session)
        rows = views.board(session, watchlist=watchlist, status=status)
    groups: dict[str, list[views.BoardRow]] = {}
    for row in rows:
        groups.setdefault(row.watchlist, []).append(row)
    return ctx.render(
        request,
        "board.html",
        groups=groups,
        titles=titles,
        watchlist=watchlist,
        status=status,
        count=len(rows),
        now=ctx.clock(),
    )


def indicator(request: Request) -> Response:
    ctx = Context.of(request)
    ref = f"{request.path_params['watchlist']}/{request.path_params['key']}"
    page = _page(request)
    try:
        with ctx.db.read() as session:
            view = views.indicator_view(
                session, ref, limit=TRAIL_PAGE, offset=(page - 1) * TRAIL_PAGE
            )
    except StorageError:
        return ctx.render(request, "missing.html", code=404, ref=ref)
    now = ctx.clock()
    stored = view.stored
    # Why each modality was chosen (trigger and cue), as `watchlist explain` says it: the
    # one implementation, in monitor.reports, reading the stored sentences with the rule.
    rows = [{"sentence": ev.sentence, "title": ev.title} for ev in view.trail]
    why = reports.with_reasons(stored.indicator, rows)
    picture = timeline.build(
        view.history,
        view.marks,
        status=stored.status,
        since=stored.status_since,
        deadline=stored.indicator.expected_by,
        now=now,
    )
    return ctx.render(
        request,
        "indicator.html",
        view=view,
        why=[(row["trigger"], row["cue"]) for row in why],
        ind=stored.indicator,
        stored=stored,
        picture=picture,
        now=now,
        done=request.query_params.get("done", ""),
        page=page,
        pages=max(1, -(-view.trail_total // TRAIL_PAGE)),
        first=(page - 1) * TRAIL_PAGE,
    )


def _page(request: Request) -> int:
    text = request.query_params.get("page", "1")
    return max(1, min(int(text), 10_000)) if text.isdigit() else 1


def feeds(request: Request) -> Response:
    ctx = Context.of(request)
    with ctx.db.read() as session:
        rows = feeds_repo.list_feeds(session)
    return ctx.render(request, "feeds.html", feeds=rows, now=ctx.clock())


def alerts(request: Request) -> Response:
    ctx = Context.of(request)
    state = request.query_params.get("state") or None
    with ctx.db.read() as session:
        rows = outbox.list_alerts(session, state=state, limit=200)
    return ctx.render(request, "alerts.html", alerts=rows[::-1], state=state)


def login_form(request: Request) -> Response:
    ctx = Context.of(request)
    return ctx.render(request, "login.html", failed=False)

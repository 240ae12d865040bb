"""Analyst actions in the dashboard: login, dismiss / restore evidence, pin / unpin.

Only with an admin token. Every action is a POST that needs the session cookie of a
login and the CSRF token of a page the server rendered for that session; anything
else changes nothing and gets 403. The work is done by ``monitor.overrides``, the same
functions ``watchlist evidence dismiss`` and ``watchlist pin`` call.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from monitor import overrides
from monitor.errors import StorageError
from monitor.model import ChangeInfo
from monitor.web.auth import COOKIE, SESSION_HOURS
from monitor.web.context import Context
from monitor.web.markup import STATUSES

MAX_NOTE = 2000
_PAST = {"dismiss": "dismissed", "restore": "restored"}


async def _form(request: Request) -> FormData:
    return await request.form(max_files=0, max_fields=10, max_part_size=8192)


def _forbidden(why: str) -> Response:
    return PlainTextResponse(f"forbidden: {why}\n", status_code=403)


async def _checked(request: Request) -> tuple[Context, FormData] | Response:
    ctx = Context.of(request)
    if not ctx.auth.enabled:
        return _forbidden("the dashboard is read-only (no admin token configured)")
    form = await _form(request)
    cookie = request.cookies.get(COOKIE)
    if not ctx.auth.valid_session(cookie):
        return _forbidden("log in first")
    token = form.get("csrf")
    if not isinstance(token, str) or not ctx.auth.valid_csrf(cookie, token):
        return _forbidden("missing or wrong CSRF token; reload the page and try again")
    return ctx, form


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_NOTE] if isinstance(value, str) else ""


def _outcome(what: str, change: ChangeInfo | None) -> str:
    if change is None:
        return f"{what}; status unchanged"
    return f"{what}; status {change.from_status} → {change.to_status}"


def _back(ref: str, done: str) -> Response:
    watchlist, _, key = ref.partition("/")
    url = f"/indicator/{quote(watchlist, safe='')}/{quote(key, safe='')}?done={quote(done)}"
    return RedirectResponse(url, status_code=303)


async def login(request: Request) -> Response:
    ctx = Context.of(request)
    if not ctx.auth.enabled:
        return _forbidden("the dashboard is read-only (no admin token configured)")
    form = await _form(request)
    token = form.get("token")
    if not isinstance(token, str) or not ctx.auth.check_token(token):
        return ctx.render(request, "login.html", code=403, failed=True)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        ctx.auth.new_session(),
        max_age=SESSION_HOURS * 3600,
        httponly=True,
        samesite="strict",
        path="/",
    )
    return response


async def logout(request: Request) -> Response:
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def evidence(request: Request) -> Response:
    """POST /evidence/ID/dismiss (note required) or /evidence/ID/restore."""
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    ctx, form = checked
    verb = request.path_params["verb"]
    evidence_id: int = request.path_params["evidence_id"]
    note = _text(form, "note")
    if verb not in ("dismiss", "restore"):
        return PlainTextResponse("not found\n", status_code=404)
    if verb == "dismiss" and not note:
        return PlainTextResponse("a dismissal needs a note: say why\n", status_code=400)
    ref = _text(form, "indicator")
    try:
        change = await run_in_threadpool(
            overrides.set_dismissed,
            ctx.db,
            evidence_id,
            verb == "dismiss",
            note,
            ctx.clock(),
            ctx.alerts,
        )
    except StorageError as exc:
        return PlainTextResponse(f"{exc}\n", status_code=404)
    done = _outcome(f"{_PAST[verb]} evidence {evidence_id}", change)
    return _back(ref, done) if "/" in ref else RedirectResponse("/", status_code=303)


async def pin(request: Request) -> Response:
    """POST /indicator/WL/KEY/pin (status, note) or /indicator/WL/KEY/unpin."""
    checked = await _checked(request)
    if isinstance(checked, Response):
        return checked
    ctx, form = checked
    verb = request.path_params["verb"]
    ref = f"{request.path_params['watchlist']}/{request.path_params['key']}"
    note = _text(form, "note")
    if verb not in ("pin", "unpin"):
        return PlainTextResponse("not found\n", status_code=404)
    status = _text(form, "status") if verb == "pin" else None
    if verb == "pin" and (status not in STATUSES or not note):
        return PlainTextResponse("a pin needs a known status and a note\n", status_code=400)
    try:
        change = await run_in_threadpool(
            overrides.set_pin, ctx.db, ref, status, note, ctx.clock(), ctx.alerts
        )
    except StorageError as exc:
        return PlainTextResponse(f"{exc}\n", status_code=404)
    return _back(ref, _outcome(f"{verb}ned {ref}", change))

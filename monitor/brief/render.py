"""A brief as Markdown, plain text, HTML (email and ``--format html``) or JSON.

Untrusted text (sentences, reasons, feed errors) is made one inert line first
(``monitor.alerts.render.one_line``); Markdown escapes its own syntax so a sentence cannot
become a link or a table cell; HTML goes through Jinja2 with autoescaping on; JSON
carries the raw values (times in ISO 8601 UTC) for scripts.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from monitor.alerts.render import one_line
from monitor.brief import Brief

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!])")


def _md(text: str | None, limit: int = 400) -> str:
    return _MD_SPECIAL.sub(r"\\\1", one_line(text, limit))


def _day(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def title(brief: Brief) -> str:
    scope = f" ({brief.watchlist})" if brief.watchlist else ""
    return f"watchlist brief{scope}: {_day(brief.since)} to {_day(brief.until)}"


def markdown(brief: Brief) -> str:
    out = [f"# {_md(title(brief))}", ""]
    out += [f"## Status changes ({len(brief.changes)})", ""]
    for c in brief.changes:
        out.append(
            f"- {_day(c.at)} **{_md(c.indicator)}**: {_md(c.from_status)} → "
            f"**{_md(c.to_status)}** ({_md(c.cause)}): {_md(c.reason)}"
        )
    out += ["", f"## New evidence ({sum(_total(e) for e in brief.evidence)})", ""]
    for e in brief.evidence:
        out.append(
            f"- **{_md(e.indicator)}** {_md(e.title, 200)}: {e.occurred} occurred, "
            f"{e.anticipated} anticipated, {e.negated} negated"
        )
        for modality, sentence, publisher in e.sentences:
            out.append(f"  - {_md(modality)}: “{_md(sentence)}” ({_md(publisher or 'unknown')})")
    out += ["", f"## Deadlines in the next 14 days ({len(brief.deadlines)})", ""]
    for d in brief.deadlines:
        out.append(f"- {d.expected_by.isoformat()} **{_md(d.indicator)}** ({_md(d.status)})")
    out += ["", f"## Failing feeds ({len(brief.failing)})", ""]
    for f in brief.failing:
        out.append(
            f"- {_md(f.url, 300)}: {f.failures} failure(s) in a row, "
            f"{_md(f.error_kind or 'error')}: {_md(f.error, 300)}"
        )
    return "\n".join(out).rstrip() + "\n"


def text(brief: Brief) -> str:
    """Plain text (email's text part, Slack, webhook, console): no markup at all."""
    out = [one_line(title(brief)), ""]
    out += [f"Status changes ({len(brief.changes)}):"]
    for c in brief.changes:
        out.append(
            f"  {_day(c.at)} {one_line(c.indicator)}: {one_line(c.from_status)} → "
            f"{one_line(c.to_status)}: {one_line(c.reason, 400)}"
        )
    out += ["", f"New evidence ({sum(_total(e) for e in brief.evidence)}):"]
    for e in brief.evidence:
        out.append(
            f"  {one_line(e.indicator)}: {e.occurred} occurred, {e.anticipated} anticipated, "
            f"{e.negated} negated"
        )
        for modality, sentence, publisher in e.sentences:
            source = one_line(publisher or "unknown", 80)
            out.append(f'    {one_line(modality)}: "{one_line(sentence, 300)}" ({source})')
    out += ["", f"Deadlines in the next 14 days ({len(brief.deadlines)}):"]
    for d in brief.deadlines:
        out.append(f"  {d.expected_by.isoformat()} {one_line(d.indicator)} ({one_line(d.status)})")
    out += ["", f"Failing feeds ({len(brief.failing)}):"]
    for f in brief.failing:
        out.append(f"  {one_line(f.url, 300)}: {f.failures}x {one_line(f.error, 300)}")
    return "\n".join(out).rstrip() + "\n"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("monitor.brief", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["line"] = one_line
    env.filters["day"] = _day
    return env


def html(brief: Brief) -> str:
    template = _environment().get_template("brief.html")
    return template.render(brief=brief, title=title(brief), total=_total)


def document(brief: Brief) -> dict[str, Any]:
    return {
        "since": brief.since,
        "until": brief.until,
        "watchlist": brief.watchlist,
        "changed_indicators": brief.changed_indicators,
        "changes": [
            {
                "at": c.at,
                "indicator": c.indicator,
                "from": c.from_status,
                "to": c.to_status,
                "cause": c.cause,
                "reason": c.reason,
            }
            for c in brief.changes
        ],
        "new_evidence": [
            {
                "indicator": e.indicator,
                "title": e.title,
                "occurred": e.occurred,
                "anticipated": e.anticipated,
                "negated": e.negated,
                "sentences": [
                    {"modality": m, "sentence": s, "source": p} for m, s, p in e.sentences
                ],
            }
            for e in brief.evidence
        ],
        "deadlines": [
            {
                "indicator": d.indicator,
                "title": d.title,
                "status": d.status,
                "expected_by": d.expected_by,
            }
            for d in brief.deadlines
        ],
        "failing_feeds": [
            {
                "url": f.url,
                "title": f.title,
                "error_kind": f.error_kind,
                "error": f.error,
                "failures": f.failures,
                "last_polled_at": f.last_polled_at,
            }
            for f in brief.failing
        ],
    }


def as_json(brief: Brief) -> str:
    return json.dumps(document(brief), default=_iso, ensure_ascii=False, indent=2) + "\n"


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _total(e: Any) -> int:
    return int(e.occurred + e.anticipated + e.negated)


RENDERERS = {"markdown": markdown, "html": html, "json": as_json, "text": text}

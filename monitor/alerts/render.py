"""Untrusted feed text made safe per medium, and the plain-text rendering channels share.

Feed titles and sentences can carry CR/LF (header injection in a subject), terminal escape
sequences, Slack control sequences (``<!channel>`` pings everyone; ``<url|text>`` forges a
link), HTML, and links to ``javascript:`` or ``data:`` URLs. The rules, per issue 6:

* every field passes ``monitor.textsafe.inert`` (escapes, C0/C1 controls, bidi overrides
  and line breaks gone) and is cut to a length;
* only ``http``/``https`` links with a host survive (``safe_link``);
* Slack gets ``&``, ``<``, ``>`` escaped as its docs require ("Escaping text",
  api.slack.com/reference/surfaces/formatting) and ``@channel``-style words broken;
* HTML gets ``html.escape`` (in the email channel).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.alerts.message import Message, Notice
from monitor.textsafe import inert

_SPACES = re.compile(r"\s+")
_MENTION = re.compile(r"@(?=channel|here|everyone)", re.IGNORECASE)
_WORD_JOINER = "\u2060"  # invisible; stops Slack from reading "@channel" as a mention


def one_line(text: str | None, limit: int = 300) -> str:
    """Inert, single-line, whitespace-collapsed, at most ``limit`` characters."""
    clean = _SPACES.sub(" ", inert(text)).strip()
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL with a host and nothing hidden in it, else None."""
    if not url:
        return None
    url = url.strip()
    if inert(url) != url or any(c.isspace() for c in url) or len(url) > 2048:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def slack_escape(text: str) -> str:
    """Escape Slack's three control characters and defuse broadcast mentions."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@" + _WORD_JOINER, text)


def when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "unknown time"


def headline(notice: Notice, limit: int = 300) -> str:
    """``india-russia/pact-signed: anticipated → observed: Title`` (one safe line);
    ``CORRECTION india-russia/…`` for an analyst's or a replay's change."""
    text = "CORRECTION " if notice.correction else ""
    text += (
        f"{one_line(notice.indicator, 120)}: {one_line(notice.from_status, 20)} → "
        f"{one_line(notice.to_status, 20)}: {one_line(notice.title, 200)}"
    )
    return one_line(text, limit)


def summary_line(notice: Notice) -> str:
    """One readable line per alert (the console channel, group listings)."""
    line = f"{headline(notice, 240)} — {one_line(notice.reason, 400)}"
    if notice.evidence:
        ev = notice.evidence[0]
        source = one_line(ev.publisher or "", 80)
        link = safe_link(ev.link)
        extra = " ".join(part for part in (source, f"<{link}>" if link else "") if part)
        if extra:
            line += f" [{extra}]"
    return line


def subject(message: Message) -> str:
    """A one-line subject (email), at most 200 characters."""
    if message.kind == "alert":
        return one_line(f"[watchlist] {headline(message.notices[0])}", 200)
    if message.kind == "test":
        return "[watchlist] test message"
    if message.kind == "brief":
        return one_line(f"[watchlist] {message.period or 'brief'}", 200)
    arrivals: dict[str, int] = {}
    for notice in message.notices:
        arrivals[notice.to_status] = arrivals.get(notice.to_status, 0) + 1
    counts = ", ".join(f"{n} {one_line(status, 20)}" for status, n in sorted(arrivals.items()))
    what = message.period or "status changes"
    return one_line(f"[watchlist] {what}: {message.count} changes ({counts})", 200)


def plain_text(message: Message) -> str:
    """The plain-text body: every notice with its reason and evidence."""
    if message.kind == "brief":
        return message.text
    lines: list[str] = []
    if message.kind == "test":
        lines += ["This is a test message from watchlist: the channel works.", ""]
    elif message.kind != "alert":
        lines += [f"{message.count} status changes ({message.period or 'grouped'})", ""]
    for notice in message.notices:
        lines += notice_lines(notice)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def notice_lines(notice: Notice) -> list[str]:
    lines = [
        headline(notice),
        f"  when: {when(notice.at)}  severity: {one_line(notice.severity, 10)}",
        f"  why: {one_line(notice.reason, 600)}",
    ]
    for ev in notice.evidence:
        lines.append(f'  evidence: "{one_line(ev.sentence, 500)}"')
        source = ", ".join(
            part
            for part in (one_line(ev.publisher, 80), when(ev.published) if ev.published else "")
            if part
        )
        if source:
            lines.append(f"    source: {source}")
        if link := safe_link(ev.link):
            lines.append(f"    link: {link}")
    return lines

"""``slack:https://hooks.slack.com/services/…``: a Block Kit message to an incoming webhook.

The message has the indicator, old → new status, the reason, the evidence sentences with
source and link, and a plain ``text`` fallback (notifications, old clients). All feed text
is escaped for Slack (``render.slack_escape``), so a title can neither ping ``<!channel>``
nor forge a link; links are only http(s). Slack allows about one message per second per
webhook (api.slack.com/apis/rate-limits): a ``RateGate`` paces sends, and a 429 is waited
out via ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from monitor.alerts.channels.base import ChannelSpec, RateGate, Receipt
from monitor.alerts.channels.http import HttpPoster
from monitor.alerts.message import Message, Notice
from monitor.alerts.render import one_line, safe_link, slack_escape, when
from monitor.textsafe import inert

MAX_LISTED = 40  # notices listed in a grouped message (Slack allows 50 blocks)
_TEXT_LIMIT = 2900  # a section's text may have 3000 characters


class SlackChannel:
    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec
        self.poster = HttpPoster(spec.name, spec.url, spec.timeout)
        interval = 1.0 if spec.min_interval is None else spec.min_interval
        self.gate = RateGate(interval)

    def describe(self) -> str:
        return f"slack webhook on {self.poster.host}"

    def send(self, message: Message) -> Receipt:
        with self.gate:
            self.poster.post(slack_body(message), {"Idempotency-Key": message.key})
        return Receipt()

    def close(self) -> None:
        self.gate.close()
        self.poster.close()


def slack_body(message: Message) -> dict[str, Any]:
    """The webhook payload: ``text`` fallback plus Block Kit ``blocks`` (pure)."""
    if message.kind == "brief":
        return _brief_body(message)
    if message.kind == "alert" or (message.kind == "test" and message.count == 1):
        notice = message.notices[0]
        blocks = _notice_blocks(notice)
        if message.kind == "test":
            blocks.insert(0, _section("*Test message from watchlist*: this channel works."))
        fallback = f"{_ref(notice)}: {_change(notice, plain=True)}: {_t(notice.title, 150)}"
    else:
        label = message.period or "status changes"
        blocks = [_section(f"*watchlist: {message.count} {_t(label, 60)}*")]
        for notice in message.notices[:MAX_LISTED]:
            blocks.append(_section(_group_line(notice)))
        if message.count > MAX_LISTED:
            more = message.count - MAX_LISTED
            blocks.append(_context(f"…and {more} more (see `watchlist alerts list`)"))
        fallback = f"watchlist: {message.count} {_t(label, 60)}"
    return {"text": fallback, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def _brief_body(message: Message) -> dict[str, Any]:
    """A brief's plain text, escaped, in sections of at most Slack's section size."""
    text = slack_escape(inert(message.text, keep_newlines=True))
    chunks: list[str] = []
    for line in text.splitlines():
        if chunks and len(chunks[-1]) + len(line) + 1 <= _TEXT_LIMIT:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line[:_TEXT_LIMIT])
    blocks = [_section(chunk) for chunk in chunks[:MAX_LISTED]]
    title = _t(message.period or "watchlist brief", 200)
    return {"text": title, "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def _notice_blocks(notice: Notice) -> list[dict[str, Any]]:
    blocks = [
        _section(f"*{_ref(notice)}* — {_t(notice.title, 300)}\n{_change(notice)}"),
        _section(_t(notice.reason, 1500)),
    ]
    for ev in notice.evidence[:3]:
        lines = [f"> {_t(ev.sentence, 1000)}"]
        source = [_t(ev.publisher, 80)] if ev.publisher else []
        if ev.published:
            source.append(when(ev.published))
        if link := _link(ev.link, ev.title or "source"):
            source.append(link)
        if source:
            lines.append(" · ".join(source))
        blocks.append(_section("\n".join(lines)))
    context = f"{when(notice.at)} · severity {_t(notice.severity, 10)} · {_t(notice.cause, 20)}"
    blocks.append(_context(context))
    return blocks


def _group_line(notice: Notice) -> str:
    line = f"*{_ref(notice)}* {_change(notice)} — {_t(notice.title, 200)}\n{_t(notice.reason, 400)}"
    if notice.evidence and (link := _link(notice.evidence[0].link, "source")):
        line += f" ({link})"
    return line


def _ref(notice: Notice) -> str:
    return _t(notice.indicator, 120)


def _change(notice: Notice, *, plain: bool = False) -> str:
    old, new = _t(notice.from_status, 20), _t(notice.to_status, 20)
    return f"{old} → {new}" if plain else f"`{old}` → *{new}*"


def _t(text: str | None, limit: int) -> str:
    """Feed text for mrkdwn: one safe line, Slack-escaped."""
    return slack_escape(one_line(text, limit))


def _link(url: str | None, label: str) -> str | None:
    safe = safe_link(url)
    if safe is None:
        return None
    # Inside <url|label> the URL ends at "|" or ">": percent-encode those, escape "&".
    target = safe.replace("&", "&amp;").replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return f"<{target}|{_t(label, 80).replace('|', '¦')}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:_TEXT_LIMIT]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:_TEXT_LIMIT]}]}

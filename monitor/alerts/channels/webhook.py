"""``webhook:https://…``: the status change(s) as JSON, POSTed with an ``Idempotency-Key``.

Body: ``{"id", "kind", "channel", "count", "period", "alerts": [payload, …]}`` where each
alert is the outbox payload plus its ``key``. Text fields are made inert and links that
are not http(s) are dropped; a receiver can deduplicate on ``Idempotency-Key`` (the
alert's key, or for a group a hash of its members' keys) or on each alert's ``key``.
"""

from __future__ import annotations

from typing import Any

from monitor.alerts.channels.base import ChannelSpec, RateGate, Receipt
from monitor.alerts.channels.http import HttpPoster
from monitor.alerts.message import Message, Notice
from monitor.alerts.render import safe_link
from monitor.textsafe import inert


class WebhookChannel:
    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec
        self.poster = HttpPoster(spec.name, spec.url, spec.timeout)
        self.gate = RateGate(spec.min_interval or 0.0)

    def describe(self) -> str:
        return f"webhook on {self.poster.host}"

    def send(self, message: Message) -> Receipt:
        with self.gate:
            body = webhook_body(self.spec.name, message)
            self.poster.post(body, {"Idempotency-Key": message.key})
        return Receipt()

    def close(self) -> None:
        self.gate.close()
        self.poster.close()


def webhook_body(channel: str, message: Message) -> dict[str, Any]:
    return {
        "id": message.key,
        "kind": message.kind,
        "channel": channel,
        "count": message.count,
        "period": message.period,
        "alerts": [_alert(notice) for notice in message.notices],
        **({"text": inert(message.text, keep_newlines=True)} if message.kind == "brief" else {}),
    }


def _alert(notice: Notice) -> dict[str, Any]:
    payload = notice.to_payload()
    for name in ("indicator", "title", "reason", "watchlist"):
        payload[name] = inert(payload[name])
    for ev in payload["evidence"]:
        ev["sentence"] = inert(ev["sentence"])
        ev["title"] = inert(ev["title"]) if ev["title"] else ev["title"]
        ev["publisher"] = inert(ev["publisher"]) if ev["publisher"] else ev["publisher"]
        ev["link"] = safe_link(ev["link"])
    return {"key": notice.key, **payload}

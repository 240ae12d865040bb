"""``console:``: one readable line per alert on standard output (the demo's default)."""

from __future__ import annotations

import sys

from monitor.alerts.channels.base import ChannelSpec, Receipt
from monitor.alerts.message import Message
from monitor.alerts.render import summary_line
from monitor.errors import AlertError


class ConsoleChannel:
    def __init__(self, spec: ChannelSpec) -> None:
        self.spec = spec

    def describe(self) -> str:
        return "standard output"

    def send(self, message: Message) -> Receipt:
        prefix = "ALERT TEST" if message.kind == "test" else "ALERT"
        lines = [f"{prefix} {summary_line(notice)}\n" for notice in message.notices]
        if message.kind == "brief":
            lines = [f"BRIEF {line}\n" for line in message.text.splitlines()]
        try:
            sys.stdout.write("".join(lines))
            sys.stdout.flush()
        except (OSError, ValueError) as exc:  # a closed pipe or stream will not come back
            message_ = f"{self.spec.name}: cannot write to standard output: {exc}"
            raise AlertError(message_, retryable=False) from exc
        return Receipt()

    def close(self) -> None:
        return None

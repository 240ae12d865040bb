"""The alert channels: one Protocol (``base.Channel``), one module each, this registry.

Adding a channel is one file (a class taking a ``ChannelSpec`` with ``describe``, ``send``
and ``close``) and one line below; its URL scheme is the key.
"""

from __future__ import annotations

from collections.abc import Callable

from monitor.alerts.channels.base import Channel, ChannelSpec, Receipt
from monitor.alerts.channels.console import ConsoleChannel
from monitor.alerts.channels.slack import SlackChannel
from monitor.alerts.channels.smtp import SmtpChannel
from monitor.alerts.channels.webhook import WebhookChannel
from monitor.errors import ConfigError

REGISTRY: dict[str, Callable[[ChannelSpec], Channel]] = {
    "console": ConsoleChannel,
    "slack": SlackChannel,
    "smtp": SmtpChannel,
    "smtps": SmtpChannel,
    "webhook": WebhookChannel,
}

__all__ = ["REGISTRY", "Channel", "ChannelSpec", "Receipt", "open_channel"]


def open_channel(spec: ChannelSpec) -> Channel:
    """The channel for ``spec`` (cheap: connections are made on the first send)."""
    factory = REGISTRY.get(spec.kind)
    if factory is None:
        known = ", ".join(f"{k}:" for k in sorted(REGISTRY))
        raise ConfigError(f"channel {spec.name}: unknown kind {spec.kind!r} (known: {known})")
    return factory(spec)

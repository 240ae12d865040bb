"""Fixtures for tests/monitor: ``feed_server``, a real HTTP server on 127.0.0.1.

See tests/monitor/feedserver.py for its API (``add``, ``redirect``, ``add_handler``, ``url``,
``hits``, ``requests``). One server per test; starting and stopping it takes milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started ``FeedServer``, closed (threads joined) after the test."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.close()
    assert not server.errors, f"feed_server handler failed: {server.errors!r}"

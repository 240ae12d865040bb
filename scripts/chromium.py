"""Debian's headless Chromium under Playwright, the one way tests and scripts start it.

Playwright is pointed at the system browser (``/usr/bin/chromium`` from the ``chromium``
package, or ``WATCHLIST_CHROMIUM``); it never downloads one. The flags keep the browser
off the network except for what a page asks of 127.0.0.1, and each launch gets a fresh
profile directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import BrowserContext, Playwright

CHROMIUM = os.environ.get("WATCHLIST_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def launch(p: Playwright, profile: Path, **options: object) -> BrowserContext:
    """A browser context on a fresh profile in ``profile`` (an empty directory)."""
    return p.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=FLAGS,
        **options,  # type: ignore[arg-type]
    )

"""Screenshots of the dashboard for the README: docs/board.png and docs/indicator.png.

Runs the demo (``monitor.demo``: the seed story on 127.0.0.1, fast) with its dashboard,
waits for the story to end, and photographs the board and one indicator page in
Debian's headless Chromium (``/usr/bin/chromium``, or ``WATCHLIST_CHROMIUM``) driven by
Playwright. Nothing is fetched from the internet.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.chromium import launch

ROOT = Path(__file__).resolve().parents[1]
SPEED = 400_000  # simulated seconds per second: the story in about 12 s
INDICATOR = "india-russia-2025/labour-mobility-agreement"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        demo = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "monitor.demo",
                "--db",
                f"{tmp}/demo.db",
                "--speed",
                "300000",
                "--http",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # The story runs from 6 November to 31 December 2025: 56 simulated days.
            time.sleep(56 * 86400 / SPEED + 1)
            shoot(base, Path(tmp))
        finally:
            demo.terminate()
            demo.wait(15)
    print("wrote docs/board.png and docs/indicator.png")
    return 0


def shoot(base: str, profile: Path) -> None:
    with sync_playwright() as p:
        browser = launch(p, profile / "chromium", viewport={"width": 1400, "height": 900})
        page = browser.new_page()
        page.goto(base + "/")
        page.screenshot(path=str(ROOT / "docs" / "board.png"), full_page=True)
        page.goto(f"{base}/indicator/{INDICATOR}")
        page.screenshot(path=str(ROOT / "docs" / "indicator.png"), full_page=True)
        browser.close()


if __name__ == "__main__":
    raise SystemExit(main())

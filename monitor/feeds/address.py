"""Which feed addresses may be subscribed to: http(s) URLs, and local files when allowed.

One check for every way a feed is added (``feeds add``, ``feeds import``). A local file is
read by the poller, so a subscription list from someone else must not name one: an OPML
listing ``../../etc/passwd`` or ``file:///home/…`` would tell its author, through the
feed's health, whether a file exists (issue 16). ``feeds add PATH`` is the user's own
choice and allowed; ``feeds import`` allows local paths only with ``--allow-local``. Any
other scheme (``javascript:``, ``data:``, ``ftp:``) is refused: it was stored as a path.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from monitor.errors import ConfigError
from monitor.secret import redact_url

# A scheme of two letters or more ("C:" is a drive letter, not a scheme).
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def feed_address(raw: str, *, allow_local: bool, base: Path | None = None) -> str:
    """The address to store for ``raw``, or ``ConfigError`` saying why it is refused.

    ``base``: the directory a relative path is relative to (an OPML file's), else the
    path is kept as given (relative to where the command runs).
    """
    text = raw.strip()
    shown = redact_url(text)
    if not text:
        raise ConfigError("empty feed URL")
    if _CONTROL.search(text):
        raise ConfigError(f"feed URL with a control character refused: {shown!r}")
    found = _SCHEME.match(text)
    scheme = found.group(1).lower() if found else ""
    if scheme in ("http", "https"):
        try:
            host = urlsplit(text).hostname
        except ValueError as exc:
            raise ConfigError(f"not a valid URL: {shown} ({exc})") from exc
        if not host:
            raise ConfigError(f"not a valid URL: {shown} (no host)")
        return text
    if scheme and scheme != "file":
        raise ConfigError(
            f"unsupported feed URL scheme '{scheme}:' in {shown!r} (use http, https or a file)"
        )
    if not allow_local:
        raise ConfigError(
            f"local file {shown!r} refused: a subscription list may not name files on this "
            "machine (use --allow-local if you trust it)"
        )
    if scheme == "file":
        return text
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute():
        path = (base / path).resolve()  # relative to the OPML file, not to the cwd
    return str(path)

"""Read a feed that is a local file (a plain path or a ``file:`` URL, only ever the feed's
*configured* URL), with the same size cap and hash comparison as over HTTP."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from monitor.errors import FeedError, FeedErrorKind
from monitor.feeds.types import FeedRequest, FetchOutcome, FetchResult
from monitor.secret import redact_url


def local_path(url: str) -> Path | None:
    """The path a configured feed URL names, or None for http(s)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        raise FeedError(FeedErrorKind.CONNECT, f"{url!r}: invalid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        return None
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise FeedError(
                FeedErrorKind.NOT_FOUND, f"{url}: file URL on another host is not supported"
            )
        return Path(url2pathname(parts.path))
    if scheme == "" or len(scheme) == 1:  # a relative or absolute path (or a drive letter)
        return Path(url).expanduser()
    raise FeedError(FeedErrorKind.CONNECT, f"{show_url(url)}: unsupported URL scheme {scheme!r}")


def fetch_file(path: Path, request: FeedRequest, max_bytes: int) -> FetchResult:
    try:
        info = path.stat()  # before open(): opening a FIFO would block
        if not stat.S_ISREG(info.st_mode):
            raise FeedError(FeedErrorKind.NOT_FOUND, f"{path}: not a regular file")
        if info.st_size > max_bytes:
            raise _too_large(path, max_bytes)
        with path.open("rb") as handle:
            body = handle.read(max_bytes + 1)
    except FileNotFoundError as exc:
        raise FeedError(FeedErrorKind.NOT_FOUND, f"{path}: no such file") from exc
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or exc
        raise FeedError(FeedErrorKind.NOT_FOUND, f"{path}: cannot read: {reason}") from exc
    if len(body) > max_bytes:  # the file grew after stat()
        raise _too_large(path, max_bytes)
    digest = hashlib.sha256(body).hexdigest()
    if digest == request.content_hash:
        return FetchResult(FetchOutcome.UNCHANGED, final_url=request.url, content_hash=digest)
    return FetchResult(FetchOutcome.OK, final_url=request.url, body=body, content_hash=digest)


def _too_large(path: Path, max_bytes: int) -> FeedError:
    return FeedError(FeedErrorKind.TOO_LARGE, f"{path}: body larger than {max_bytes} bytes")


def show_url(url: str) -> str:
    """``url`` fit for a message: no password, no token (``monitor.secret.redact_url``)."""
    return redact_url(url)

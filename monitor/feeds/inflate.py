"""Content-Encoding decoded under a cap: a compression bomb never inflates past it.

httpx decodes each network read in one call, so the fetcher could only count a bomb after
a 64 KiB read had become ~64 MB: one 254 KB gzip bomb cost 130 MB of memory against a
10 MiB cap, four at once 323 MB (issue 7, item 1). Here the fetcher reads the raw bytes and
zlib's ``max_length`` stops every call at the room left under the cap, so no more than
``cap + 1`` decoded bytes ever exist, whatever the compression ratio.

Only the codings we ask for (``ACCEPT_ENCODING``) are decoded; anything else is refused
(``supported``), as are stacked codings (the fetcher checks that before it gets here).
"""

from __future__ import annotations

import zlib

__all__ = ["ACCEPT_ENCODING", "Inflater", "supported"]

ACCEPT_ENCODING = "gzip, deflate"
_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


def supported(coding: str) -> bool:
    return coding in _WBITS


class Inflater:
    """Decode one body's Content-Encoding (``None``: identity) in bounded steps."""

    def __init__(self, coding: str | None) -> None:
        self._coding = coding
        self._zlib = zlib.decompressobj(_WBITS[coding]) if coding else None
        self._started = False

    def decode(self, data: bytes, room: int) -> bytes:
        """At most ``room`` (>= 1) decoded bytes of ``data``; ``room`` of them means "more".

        Raises ``zlib.error`` for data that cannot be decoded.
        """
        if self._zlib is None:
            return data  # identity: one network read, already in memory
        try:
            out = self._zlib.decompress(data, room)
        except zlib.error:
            if self._coding != "deflate" or self._started:
                raise
            # RFC 9110 "deflate" is zlib-wrapped; some servers send raw deflate (httpx too
            # accepts both, deciding on the first bytes).
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._zlib.decompress(data, room)
        self._started = True
        return out

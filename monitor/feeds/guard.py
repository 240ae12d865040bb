"""Refuse XML documents that could make a parser expand entities or fetch a DTD.

Run on every XML feed and OPML document before any XML parser sees it. Why:

* feedparser's strict parser (expat) honours internal entities, and its loose fallback
  re-inserts the "safe" ones the document declares and expands them without a limit:
  billion laughs (nested entities) and quadratic blowup (one big entity referenced many
  times) turn a small body into gigabytes (OWASP XXE Prevention Cheat Sheet).
* An external entity or DTD (``SYSTEM``/``PUBLIC``) is a request the *document* chooses:
  server-side request forgery and local file disclosure (CWE-611). No parser of ours
  should fetch one, and we do not rely on parser flags alone to keep it that way.

A legitimate feed needs neither, so the rule is simple: any ``<!ENTITY`` anywhere, or a
``<!DOCTYPE`` with an external identifier, is refused with ``FeedError(kind="unsafe")``.
One exception: the RSS 0.91 Netscape DOCTYPE, which old feeds still carry. feedparser
strips it before parsing and only reads the public identifier (to report ``rss091n``).

The scan is on bytes. The patterns are ASCII, so one scan covers UTF-8 and every
single-byte charset; NUL bytes are removed first so that UTF-16 and UTF-32 are covered
too. A document whose declared or sniffed charset is not ASCII-compatible (UTF-7,
EBCDIC) is also decoded and scanned, as the parser would read it.
"""

from __future__ import annotations

import codecs
import functools
import re

from monitor.errors import FeedError, FeedErrorKind

__all__ = ["check_xml_safety"]

_ENTITY = re.compile(rb"<!ENTITY", re.I)
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.I)
# SYSTEM or PUBLIC before the internal subset or the end of the declaration.
_EXTERNAL_ID = re.compile(rb"<!DOCTYPE[^\[>]*?\b(?:SYSTEM|PUBLIC)\b", re.I)
_ALLOWED_DOCTYPES = (
    re.compile(
        rb"<!DOCTYPE\s+rss\s+PUBLIC\s+([\"'])-//Netscape Communications//DTD RSS 0\.91//EN\1"
        rb"\s+([\"'])http://my\.netscape\.com/publish/formats/rss-0\.91\.dtd\2\s*>"
    ),
)
# feedparser splits the prolog from the document at the first element start tag.
_FIRST_ELEMENT = re.compile(rb"<\w")
_OPAQUE_START = re.compile(rb"<!\[CDATA\[|<!--")
_XML_ENCODING = re.compile(
    rb"\A(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?\s*<\?xml[^>]*?"
    rb"""\bencoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})["']"""
)
_EBCDIC_XML_DECL = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC (XML 1.0, appendix F)
_PROBE = "<!ENTITY <!entity <!DOCTYPE <!doctype SYSTEM PUBLIC <![CDATA[ ]]> <!-- --> <a"


def check_xml_safety(
    body: bytes, *, encoding: str | None = None, source: str | None = None
) -> None:
    """Raise ``FeedError(kind="unsafe")`` if ``body`` declares an entity or an external DTD.

    ``encoding`` is the charset the transport declared (HTTP ``Content-Type``), if any;
    ``source`` names the document in the message (a URL or a file name).
    """
    for view in _views(body, encoding):
        problem = _problem(view)
        if problem is not None:
            where = f"{source}: " if source else ""
            raise FeedError(FeedErrorKind.UNSAFE, f"{where}{problem}; refused before parsing")


def _views(body: bytes, encoding: str | None) -> list[bytes]:
    """The byte strings to scan: the body as ASCII-compatible bytes, plus decodings."""
    plain = body.replace(b"\x00", b"") if b"\x00" in body else body
    views = [plain]
    candidates = [encoding]
    declared = _XML_ENCODING.match(plain[:1024])
    if declared:
        candidates.append(declared.group(1).decode("ascii"))
    if body.startswith(_EBCDIC_XML_DECL):
        candidates.append("cp037")
    for name in dict.fromkeys(c.strip().lower() for c in candidates if c):
        if not _ascii_compatible(name):
            views.append(body.decode(name, errors="replace").encode("utf-8"))
    return views


@functools.lru_cache(maxsize=64)
def _ascii_compatible(name: str) -> bool:
    """True when ``name`` is unknown (the parser cannot use it either) or keeps ASCII."""
    try:
        codecs.lookup(name)
        return _PROBE.encode(name) == _PROBE.encode("ascii")
    except (LookupError, UnicodeError, ValueError):
        return True


def _problem(view: bytes) -> str | None:
    if _ENTITY.search(view):
        return "document declares an XML entity (<!ENTITY>): entity expansion is not allowed"
    if not _DOCTYPE.search(view):
        return None
    head_end = _first_element(view)
    opaque: list[tuple[int, int]] | None = None
    for match in _DOCTYPE.finditer(view):
        start = match.start()
        if start > head_end:
            # After the root element has started a DOCTYPE is either text inside CDATA or a
            # comment (an HTML page embedded in content:encoded, say) or not well-formed.
            opaque = opaque if opaque is not None else _opaque_spans(view, head_end)
            if any(lo <= start < hi for lo, hi in opaque):
                continue
        declaration = _EXTERNAL_ID.match(view, start)
        if declaration and not any(p.match(view, start) for p in _ALLOWED_DOCTYPES):
            return "document type declaration references an external DTD (SYSTEM/PUBLIC)"
    return None


def _first_element(view: bytes) -> int:
    match = _FIRST_ELEMENT.search(view)
    return match.start() if match else len(view)


def _opaque_spans(view: bytes, start: int) -> list[tuple[int, int]]:
    """CDATA sections and comments from ``start`` on; an unterminated one is not opaque."""
    spans: list[tuple[int, int]] = []
    position = start
    while match := _OPAQUE_START.search(view, position):
        closing = b"]]>" if match.group().startswith(b"<![") else b"-->"
        end = view.find(closing, match.end())
        if end < 0:
            break
        spans.append((match.start(), end + len(closing)))
        position = end + len(closing)
    return spans

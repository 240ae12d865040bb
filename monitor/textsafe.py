"""Make untrusted text (feed titles, sentences) inert for terminals and reports.

Feed text can carry terminal escape sequences (which can rewrite a terminal's screen or
title), C0/C1 controls, and Unicode bidirectional overrides (which can make text read
backwards: CVE-2021-42574 "Trojan Source"). Everything shown to a person passes here.
"""

from __future__ import annotations

import re

# CSI/OSC/other ESC sequences first, so their parameters go with them.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def inert(text: str | None, *, keep_newlines: bool = False) -> str:
    """Strip escapes, controls and bidi overrides; fold newlines unless asked to keep them."""
    if not text:
        return ""
    text = _ANSI.sub("", text)
    if not keep_newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    text = _CONTROL.sub("", text.replace("\t", " ") if not keep_newlines else text)
    return _BIDI.sub("", text)

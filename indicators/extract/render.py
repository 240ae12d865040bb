"""The draft as text: a watch-list YAML file (``render_yaml``) or JSON (``render_json``).

YAML writes only the loader's keys; provenance and notes are ``#`` comments, so the file
loads as it is and the analyst reads why each query looks the way it does.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence

import yaml

from indicators.extract.draft import Draft, short


def render_yaml(draft: Draft) -> str:
    """The draft as a watch-list YAML file; notes and provenance are '#' comments."""
    out = [*_comments(draft.notes, "")]
    out.append(f"id: {_scalar(draft.id)}")
    out.append(f"title: {_scalar(draft.title)}")
    out.append(f"source: {_scalar(draft.source)}")
    if draft.expected_by:
        out.append(f"expected_by: {draft.expected_by.isoformat()}")
    out.append("indicators:")
    for ind in draft.indicators:
        out.append("")
        out += _comments((f"from '{short(ind.section)}' line {ind.line}", *ind.notes), "  ")
        out.append(f"  - id: {_scalar(ind.id)}")
        out.append(f"    title: {_scalar(ind.title)}")
        out.append(f"    query: {_scalar(ind.query)}")
        out.append(f"    description: {_scalar(ind.description)}")
        if ind.actions:
            out.append("    event:")
            many = len(ind.actions) > 1
            out.append(f"      action: {_flow(ind.actions) if many else _scalar(ind.actions[0])}")
            out.append(f"      object: {_flow(ind.objects)}")
            out.append(f"      actors: {_flow(ind.actors)}")
        if ind.expected_by:
            out.append(f"    expected_by: {ind.expected_by.isoformat()}")
    return "\n".join(out) + "\n"


def render_json(draft: Draft) -> str:
    """The same data as ``render_yaml``, plus provenance and notes as fields."""
    data = {
        "id": draft.id,
        "title": draft.title,
        "source": draft.source,
        "expected_by": draft.expected_by.isoformat() if draft.expected_by else None,
        "notes": list(draft.notes),
        "indicators": [
            {
                "id": ind.id,
                "title": ind.title,
                "query": ind.query,
                "description": ind.description,
                "expected_by": ind.expected_by.isoformat() if ind.expected_by else None,
                "event": {
                    "action": list(ind.actions),
                    "object": list(ind.objects),
                    "actors": list(ind.actors),
                }
                if ind.actions
                else None,
                "section": ind.section,
                "line": ind.line,
                "notes": list(ind.notes),
            }
            for ind in draft.indicators
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"


def _scalar(value: str) -> str:
    """One YAML scalar, quoted by PyYAML when it must be (colons, quotes, '#', numbers)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=1_000_000)
    return dumped.removesuffix("\n...\n").removesuffix("\n")


def _comments(notes: Sequence[str], indent: str) -> list[str]:
    out: list[str] = []
    for note in notes:
        flat = " ".join(note.split())
        out += [f"{indent}# {part}" for part in textwrap.wrap(flat, 96 - len(indent))]
    return out

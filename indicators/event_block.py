"""The ``event:`` block of an indicator and the ``events:`` classes of a watch list.

``event:`` says what the indicator watches for when its title says it badly::

    event:
      action: remove            # a class of the lexicon (indicators/events.yaml), or a list
      object: [export ban, cobalt]
      actors: [DR Congo, Kinshasa]

``events:`` at the top of a watch list adds classes (or replaces built-in ones) with the
fields of ``events.yaml``. Both are checked when the file is read; a mistake is an error at
its line and column, like every other (``indicators.loader``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import yaml
from yaml.nodes import Node

from indicators.events import Event, EventClass, lexicon, parse_classes

if TYPE_CHECKING:
    from indicators.loader import _Reader

EVENT_KEYS = {"action", "object", "actors"}


def read_event_classes(reader: _Reader, node: Node | None) -> tuple[EventClass, ...]:
    """A watch list's own event classes (``events:``); () when there are none."""
    if node is None:
        return ()
    try:
        raw = yaml.safe_load(yaml.serialize(node))
        return tuple(parse_classes(raw).values())
    except (ValueError, yaml.YAMLError) as exc:
        reader.problem(node, f"events: {exc}")
        return ()


def read_event(reader: _Reader, node: Node, ind_id: str, extra: Collection[str]) -> Event | None:
    """The indicator's ``event:`` block, its action checked against the lexicon's classes
    and the watch list's own (``extra``)."""
    fields = reader.mapping(node, "event", ind_id)
    reader.unknown_keys(fields, EVENT_KEYS, ind_id)
    if "action" not in fields:
        reader.problem(node, "event: needs an 'action' (a class of the event lexicon)", ind_id)
        return None
    actions = reader.strings(fields["action"], "event.action", ind_id)
    known = set(lexicon().classes) | set(extra)
    for action in actions:
        if action not in known:
            hint = ", ".join(sorted(known))
            reader.problem(
                fields["action"], f"event action '{action}' is not a class ({hint})", ind_id
            )
            return None
    if not actions:
        reader.problem(fields["action"], "event: 'action' is empty", ind_id)
        return None
    obj = reader.strings(fields["object"], "event.object", ind_id) if "object" in fields else ()
    actors = reader.strings(fields["actors"], "event.actors", ind_id) if "actors" in fields else ()
    return Event(actions[0], tuple(obj), tuple(actors), tuple(actions[1:]))


def event_to_data(event: Event) -> dict[str, list[str]]:
    """The event as plain data (stored with the indicator's rule)."""
    return {
        "action": list(event.actions),
        "object": list(event.object),
        "actors": list(event.actors),
        "head": list(event.head),
    }


def event_from_data(data: object) -> Event | None:
    """The inverse of ``event_to_data``; None for anything else (an older row)."""
    if not isinstance(data, dict):
        return None
    actions = [str(a) for a in data.get("action", [])]
    head = tuple(str(h) for h in data.get("head", []))
    if not actions and not head:
        return None
    return Event(
        actions[0] if actions else "",
        tuple(str(o) for o in data.get("object", [])),
        tuple(str(a) for a in data.get("actors", [])),
        tuple(actions[1:]),
        head,
    )


def classes_to_data(classes: tuple[EventClass, ...]) -> dict[str, dict[str, object]]:
    """A watch list's own classes as the data ``parse_classes`` reads."""
    return {
        c.name: {
            "verbs": list(c.verbs),
            "nouns": list(c.nouns),
            "reversal": list(c.reversal),
            "reversal_nouns": list(c.reversal_nouns),
            "ending": c.ending,
            "durative": c.durative,
            "decrease": c.decrease,
            "by_decision": c.by_decision,
        }
        for c in classes
    }

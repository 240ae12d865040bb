"""Evidence crosses from the parse workers to the polling process pickled: its own
``__reduce__`` must carry every field, including one added later."""

from __future__ import annotations

import dataclasses
import pickle
import typing

import pytest

from indicators.model import Evidence, Modality


def _not_default(field: dataclasses.Field[object], hint: object) -> object:
    """A value of the field's type that is not its default (and differs per field)."""
    if hint is str:
        return f"value of {field.name}"
    if hint is bool:
        return field.default is not True
    if hint is Modality:
        return Modality.NEGATED
    if hint == tuple[str, ...]:
        return (f"{field.name} a", f"{field.name} b")
    raise AssertionError(f"give Evidence.{field.name} ({hint}) a value in this test")


def _every_field_set() -> Evidence:
    hints = typing.get_type_hints(Evidence)
    values = {f.name: _not_default(f, hints[f.name]) for f in dataclasses.fields(Evidence)}
    return Evidence(**values)  # type: ignore[arg-type]


def test_every_field_set_differs_from_its_default() -> None:
    ev = _every_field_set()
    for field in dataclasses.fields(Evidence):
        if field.default is not dataclasses.MISSING:
            assert getattr(ev, field.name) != field.default, field.name


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_evidence_survives_pickling_with_every_field(protocol: int) -> None:
    ev = _every_field_set()
    back = pickle.loads(pickle.dumps(ev, protocol=protocol))
    assert back == ev
    assert type(back.modality) is Modality


def test_defaults_survive_pickling() -> None:
    ev = Evidence("ind", Modality.OCCURRED, "The deal was signed.", ("deal",))
    assert pickle.loads(pickle.dumps(ev)) == ev

"""engine.record.Record stands in for typing.NamedTuple (cheaper to define): its instances must
behave as a NamedTuple's with the same fields, side by side."""
from __future__ import annotations

import copy
import pickle
from typing import NamedTuple
from typing import Optional

import pytest

from vdk.plugin.notebook.engine.record import Record


class Named(NamedTuple):
    number: int
    name: Optional[str]
    flag: bool = False
    note: str = ""


class Point(Record):
    __slots__ = ()
    number: int
    name: Optional[str]
    flag: bool = False
    note: str = ""


CALLS = [((1, "a"), {}), ((1, "a", True), {}), ((1, "a", True, "n"), {}), ((1,), {"name": "b"}),
         ((), {"note": "x", "name": None, "number": 2}), ((1, "a"), {"note": "y"})]


@pytest.mark.parametrize("args, kwargs", CALLS)
def test_a_record_is_made_and_read_as_a_namedtuple(args, kwargs):
    named, record = Named(*args, **kwargs), Point(*args, **kwargs)
    assert tuple(record) == tuple(named) and record == named and hash(record) == hash(named)
    assert repr(record) == repr(named).replace("Named(", "Point(")
    assert [record.number, record.name, record.flag, record.note] == list(named)
    assert record._fields == named._fields
    number, name, *rest = record
    assert (number, name, *rest) == tuple(named)
    for again in (pickle.loads(pickle.dumps(record)), copy.copy(record), copy.deepcopy(record)):
        assert type(again) is Point and again == record


@pytest.mark.parametrize("args, kwargs", [((), {}), ((1, "a", True, "n", 5), {}),
                                          ((1, "a"), {"number": 3}), ((1, "a"), {"other": 1})])
def test_wrong_arguments_are_refused_as_by_a_namedtuple(args, kwargs):
    with pytest.raises(TypeError):
        Named(*args, **kwargs)
    with pytest.raises(TypeError):
        Point(*args, **kwargs)


def test_a_record_cannot_be_changed_or_given_attributes():
    point = Point(1, "a")
    with pytest.raises(AttributeError):
        point.number = 2
    with pytest.raises(AttributeError):
        point.extra = 1
    assert point == (1, "a", False, "")


def test_a_field_without_default_after_one_with_is_refused_as_by_namedtuple():
    with pytest.raises(TypeError):
        class Wrong(Record):
            __slots__ = ()
            a: int = 1
            b: int

"""The front end's run events (jupyterlab/src/api.ts) mirror job/run_events.py one to one.

The server hands the browser the events `vdk run` writes as they came; a field renamed on one
side only would leave the browser reading `undefined` without any type error. So: every event
kind, every TypedDict and its field names (and which may be null), and every status value here
are the same in api.ts, read from its source.
"""
from __future__ import annotations

import enum
import pathlib
import re
import typing

from vdk.plugin.notebook.job import run_events

API_TS = pathlib.Path(__file__).parent.parent / "jupyterlab" / "src" / "api.ts"



def _is_typed_dict(value: object) -> bool:
    """typing.is_typeddict, which Python 3.9 lacks: a TypedDict class is a dict subclass with
    `__total__` and its fields in `__annotations__`."""
    return (isinstance(value, type) and issubclass(value, dict) and hasattr(value, "__total__")
            and hasattr(value, "__annotations__"))

def _typescript() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The interfaces of api.ts (name -> field -> type text, fields of the interfaces they
    extend included) and its type aliases (name -> type text)."""
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", API_TS.read_text(encoding="utf-8"), flags=re.S)
    interfaces: dict[str, dict[str, str]] = {}
    extends: dict[str, list[str]] = {}
    for match in re.finditer(r"export interface (\w+)(?: extends ([\w, ]+))? \{", text):
        depth, start = 1, match.end()
        end = start
        while depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        body, fields, level = text[start:end - 1], {}, 0
        for line in body.split(";"):
            if level == 0:
                field = re.match(r"\s*(\w+)\??:\s*(.*)", line, re.S)
                if field:
                    fields[field.group(1)] = " ".join(field.group(2).split())
            level += line.count("{") - line.count("}")
        interfaces[match.group(1)] = fields
        extends[match.group(1)] = [b.strip() for b in (match.group(2) or "").split(",") if b.strip()]
    for name in interfaces:
        for base in extends[name]:
            interfaces[name] = {**interfaces[base], **interfaces[name]}
    aliases = {m.group(1): " ".join(m.group(2).split())
               for m in re.finditer(r"export type (\w+) =([^;]*);", text)}
    return interfaces, aliases


def _union(text: str) -> set[str]:
    return {part.strip().strip("'") for part in text.split("|") if part.strip()}


def _typed_dicts() -> dict[str, type]:
    return {name: value for name, value in vars(run_events).items()
            if _is_typed_dict(value) and not name.startswith("_")}


def _may_be_none(hint: object) -> bool:
    return type(None) in typing.get_args(hint) or hint is type(None)


INTERFACES, ALIASES = _typescript()


def test_every_event_kind_is_in_the_union_with_its_type_tag():
    python = {kind.__name__: typing.get_args(kind.__annotations__["type"])[0]
              for kind in typing.get_args(run_events.RunEvent)}
    assert _union(ALIASES["IRunEvent"]) == {"I" + name for name in python}
    for name, tag in python.items():
        assert INTERFACES["I" + name]["type"] == f"'{tag}'", name
    assert set(python.values()) == run_events.EVENT_KINDS


def test_every_typed_dict_has_an_interface_with_the_same_fields():
    for name, typed_dict in _typed_dicts().items():
        assert "I" + name in INTERFACES, f"api.ts has no interface I{name} for run_events.{name}"
        hints = typing.get_type_hints(typed_dict)
        fields = INTERFACES["I" + name]
        assert set(fields) == set(hints), f"I{name} and run_events.{name} differ in their fields"
        for field, hint in hints.items():
            nullable = bool(re.search(r"\bnull\b", fields[field]))
            assert nullable == _may_be_none(hint), (
                f"I{name}.{field} is {fields[field]!r}, run_events.{name}.{field} is {hint}")


def test_the_interfaces_the_events_use_are_all_mirrored():
    """No interface reached from IRunEvent exists only in api.ts."""
    python = {"I" + name for name in _typed_dicts()}
    seen, todo = set(), list(_union(ALIASES["IRunEvent"]))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [ref for type_text in INTERFACES[name].values()
                 for ref in re.findall(r"\bI[A-Z]\w*", type_text)]
    assert seen <= python, f"in api.ts only: {sorted(seen - python)}"


def test_statuses_have_the_same_values():
    for status in (run_events.CellStatus, run_events.StepStatus, run_events.RunStatus):
        assert issubclass(status, enum.Enum)
        assert _union(ALIASES[status.__name__]) == {member.value for member in status}, status


def test_this_reading_of_api_ts_finds_what_it_checks():
    """The test above would pass on nothing found: it finds the events and their fields."""
    assert len(_union(ALIASES["IRunEvent"])) == 8
    assert INTERFACES["ICellStarted"]["index"] == "number | null"  # a field of IEventCell
    assert INTERFACES["IRunResult"]["reports"] == "IReportRef[]"
    assert typing.get_origin(run_events.RunEvent) is typing.Union

"""Tuples with named fields, cheap to define.

typing.NamedTuple makes each class by generating and compiling Python source and checking every
field's annotation: about 800,000 instructions a class, and a `vdk run` of a notebook imports a
dozen of them. A Record class is an ordinary class statement (about a tenth of that), and its
instances behave as a NamedTuple's do: a tuple (equal, hashed, unpacked and pickled as one)
with read-only named fields, keyword arguments and defaults, and the same repr.

    class Point(Record):
        __slots__ = ()  # as NamedTuple: no per-instance __dict__, no new attributes
        x: int
        y: int = 0
"""
from __future__ import annotations

from operator import itemgetter
from typing import Any


class Record(tuple):
    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _defaults: dict[str, Any] = {}
    _tail: tuple = ()  # the defaults of the last fields

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names = tuple(cls.__dict__.get("__annotations__", {}))
        cls._defaults = {name: cls.__dict__[name] for name in names if name in cls.__dict__}
        cls._fields = names
        required = len(names) - len(cls._defaults)
        if any(name in cls._defaults for name in names[:required]):
            raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")
        cls._tail = tuple(cls._defaults[name] for name in names[required:])
        for index, name in enumerate(names):
            setattr(cls, name, property(itemgetter(index), doc=f"Alias for field number {index}"))

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:  # the usual call: positional arguments, defaults for the rest
            missing = len(cls._fields) - len(args)
            if missing == 0:
                return tuple.__new__(cls, args)
            if 0 < missing <= len(cls._tail):
                return tuple.__new__(cls, args + cls._tail[-missing:])
        return tuple.__new__(cls, cls._arguments(args, kwargs))

    @classmethod
    def _arguments(cls, args: tuple, kwargs: dict[str, Any]) -> tuple:
        fields = cls._fields
        if len(args) > len(fields):
            raise TypeError(f"{cls.__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = list(args)
        for name in fields[len(args):]:
            if name in kwargs:
                values.append(kwargs.pop(name))
            elif name in cls._defaults:
                values.append(cls._defaults[name])
            else:
                raise TypeError(f"{cls.__name__}() missing required argument: '{name}'")
        if kwargs:
            raise TypeError(f"{cls.__name__}() got unexpected or repeated arguments: "
                            f"{', '.join(map(repr, kwargs))}")
        return tuple(values)

    def __getnewargs__(self) -> tuple:
        return tuple(self)

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"{type(self).__name__}({fields})"

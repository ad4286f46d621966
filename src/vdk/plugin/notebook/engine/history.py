"""IPython's history names in the notebook's namespace: `_`, `__`, `___`, `_N`, `Out`, `In`,
`_i`, `_ii`, `_iii`, `_iN`.

Notebooks use them (`2 + 10` in one cell, `print(_ + 10)` in the next). IPython's history manager
and display hook set them in a kernel; a job run keeps no history database and may have no shell,
so this sets the same names the same way, with the run's execution counts (1, 2, ... as the
cells run). `In` holds each cell's source as written in the notebook (IPython keeps it after its
transforms: `%time x` shows there as a get_ipython() call).
"""
from __future__ import annotations

from typing import Any


class History:
    """Keeps the history names of one notebook's namespace up to date as cells run."""

    def __init__(self, namespace: dict[str, Any]):
        self._namespace = namespace
        self._inputs: list[str] = [""]  # In[0] is empty, as in IPython
        self._outputs: dict[int, Any] = {}
        self._unders: list[Any] = ["", "", ""]  # the values of _, __ and ___ set here
        namespace.update(_i="", _ii="", _iii="")
        self.publish()

    def publish(self) -> None:
        """(Re)place In, Out and the underscores: an IPython shell bound to the namespace later
        puts its own, empty, history there."""
        under, under2, under3 = self._unders
        self._namespace.update(In=self._inputs, Out=self._outputs, _ih=self._inputs,
                               _oh=self._outputs, _=under, __=under2, ___=under3)

    def cell_starting(self, count: int, source: str) -> None:
        """As IPython's store_inputs: `_i` is the previous cell's input, `_iN` this one's."""
        ns = self._namespace
        previous = self._inputs[-1] if len(self._inputs) > 1 else ""
        ns["_iii"], ns["_ii"], ns["_i"] = ns.get("_ii", ""), ns.get("_i", ""), previous
        while len(self._inputs) < count:
            self._inputs.append("")
        self._inputs.append(source)
        ns[f"_i{count}"] = source

    def cell_result(self, count: int, value: Any) -> None:
        """As IPython's display hook: a shown value (not None) becomes `_`, `_N` and `Out[N]`;
        `_`, `__` and `___` stay alone once the notebook assigned one (`for _ in ...`)."""
        if value is None or value is self._outputs:  # IPython does not cache Out itself
            return
        ns = self._namespace
        mine = all(ns.get(name, own) is own for name, own in zip(("_", "__", "___"), self._unders))
        self._unders = [value, *self._unders[:2]]
        if mine:
            ns.update(zip(("_", "__", "___"), self._unders))
        ns[f"_{count}"] = value
        self._outputs[count] = value

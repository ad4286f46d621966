"""A fast structural check of nbformat 4 notebooks.

Importing nbformat and validating with jsonschema costs more than running a small job, so every
notebook first goes through this check, written for the v4 schema. It only ever says "certainly
valid" or "look closer": anything it does not accept is handed to nbformat, which upgrades what it
can and gives the authoritative message. It must therefore never accept what nbformat rejects;
tests compare the two on a catalogue of broken notebooks.
"""
from __future__ import annotations

import re
from itertools import repeat
from typing import Any

_CELL_KEYS = {
    "code": ({"cell_type", "metadata", "source", "outputs", "execution_count"}, {"id"}),
    "markdown": ({"cell_type", "metadata", "source"}, {"id", "attachments"}),
    "raw": ({"cell_type", "metadata", "source"}, {"id", "attachments"}),
}
_OUTPUT_KEYS = {
    "execute_result": {"output_type", "data", "metadata", "execution_count"},
    "display_data": {"output_type", "data", "metadata"},
    "stream": {"output_type", "name", "text"},
    "error": {"output_type", "ename", "evalue", "traceback"},
}


def is_certainly_valid_v4(nb: Any) -> bool:
    """True when `nb` is a plain nbformat 4 notebook that nbformat would accept unchanged."""
    if not isinstance(nb, dict) or set(nb) != {"cells", "metadata", "nbformat", "nbformat_minor"}:
        return False
    minor = nb["nbformat_minor"]
    if type(nb["nbformat"]) is not int or nb["nbformat"] != 4:
        return False
    if type(minor) is not int or not 0 <= minor <= 5:
        return False
    if not _metadata_ok(nb["metadata"]) or not isinstance(nb["cells"], list):
        return False
    ids = set()
    for cell in nb["cells"]:
        if not _cell_ok(cell, has_ids=minor >= 5):
            return False
        if "id" in cell:
            if cell["id"] in ids:
                return False
            ids.add(cell["id"])
    return True


def _metadata_ok(meta: Any) -> bool:
    if not isinstance(meta, dict):
        return False
    if "kernelspec" in meta:
        kernelspec = meta["kernelspec"]
        if not (
            isinstance(kernelspec, dict)
            and isinstance(kernelspec.get("name"), str)
            and isinstance(kernelspec.get("display_name"), str)
        ):
            return False
    if "language_info" in meta and not _language_info_ok(meta["language_info"]):
        return False
    if "orig_nbformat" in meta and not (
        type(meta["orig_nbformat"]) is int and meta["orig_nbformat"] >= 1
    ):
        return False
    return _types_ok(meta, (("title", str), ("authors", list)))


def _language_info_ok(info: Any) -> bool:
    if not isinstance(info, dict) or not isinstance(info.get("name"), str):
        return False
    mode = info.get("codemirror_mode", "")
    return isinstance(mode, (str, dict)) and _types_ok(
        info, (("file_extension", str), ("mimetype", str), ("pygments_lexer", str))
    )


def id_ok(cell_id: str) -> bool:
    """The schema's pattern for a cell id; fullmatch, since `$` would let a trailing newline in."""
    return re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", cell_id) is not None


def name_ok(name: str) -> bool:
    """The schema's pattern for a kernel name, applied as jsonschema applies it (re.search)."""
    return re.search(r"^.+$", name) is not None


def json_mime_ok(key: str) -> bool:
    """The schema's pattern for a mime type whose value is JSON, not text."""
    return re.match(r"^application/(.*\+)?json$", key) is not None


def _types_ok(node: dict, typed_keys: tuple) -> bool:
    """Each key, when present, holds a value of its type (present but None is wrong)."""
    return all(key not in node or isinstance(node[key], kind) for key, kind in typed_keys)


# The keys of a code cell as Jupyter saves it, with ids (4.5 on) and without.
_CODE_KEYS = (frozenset(_CELL_KEYS["code"][0]), frozenset(_CELL_KEYS["code"][0] | {"id"}))


def _cell_ok(cell: Any, has_ids: bool) -> bool:
    if not isinstance(cell, dict):
        return False
    if cell.get("cell_type") == "code" and cell.keys() == _CODE_KEYS[has_ids]:
        return _code_cell_ok(cell, has_ids)
    return _any_cell_ok(cell, has_ids)


def _code_cell_ok(cell: dict, has_ids: bool) -> bool:
    """_any_cell_ok for a code cell with the keys it must have, in fewer steps: a notebook has
    hundreds, mostly with metadata that is empty or only tags."""
    if has_ids and not (isinstance(cell["id"], str) and id_ok(cell["id"])):
        return False
    source = cell["source"]
    if not (isinstance(source, str) or _multiline_ok(source)):
        return False
    meta = cell["metadata"]
    if meta.__class__ is not dict or (meta and (meta.keys() != {"tags"} or not _tags_ok(meta))):
        if not _cell_metadata_ok(cell):
            return False
    count = cell["execution_count"]
    if count is not None and not (type(count) is int and count >= 0):
        return False
    outputs = cell["outputs"]
    return isinstance(outputs, list) and (not outputs or all(map(_output_ok, outputs)))


def _any_cell_ok(cell: dict, has_ids: bool) -> bool:
    kind = cell.get("cell_type")
    keys = _CELL_KEYS.get(kind) if isinstance(kind, str) else None  # a list is not hashable
    if keys is None:
        return False
    required, optional = keys
    present = set(cell)
    if not required <= present or not present <= required | optional:
        return False
    if has_ids != ("id" in cell):  # required from 4.5 on, unknown before
        return False
    if has_ids and not (isinstance(cell["id"], str) and id_ok(cell["id"])):
        return False
    if not _multiline_ok(cell["source"]) or not _cell_metadata_ok(cell):
        return False
    if cell["cell_type"] != "code":
        attachments = cell.get("attachments", {})
        return isinstance(attachments, dict) and all(map(_mimebundle_ok, attachments.values()))
    count = cell["execution_count"]
    if count is not None and not (type(count) is int and count >= 0):
        return False
    return isinstance(cell["outputs"], list) and all(map(_output_ok, cell["outputs"]))


def _cell_metadata_ok(cell: dict) -> bool:
    meta = cell["metadata"]
    if not isinstance(meta, dict) or not _types_ok(meta, (("jupyter", dict), ("name", str))):
        return False
    if "tags" in meta and not _tags_ok(meta):
        return False
    if "name" in meta and not name_ok(meta["name"]):
        return False
    kind = cell["cell_type"]
    if kind == "raw":
        return _types_ok(meta, (("format", str),))
    if kind != "code":
        return True
    if "execution" in meta and not (
        isinstance(meta["execution"], dict)
        and all(isinstance(v, str) for v in meta["execution"].values())
    ):
        return False
    if "scrolled" in meta and not (type(meta["scrolled"]) is bool or meta["scrolled"] == "auto"):
        return False
    return _types_ok(meta, (("collapsed", bool),))


def _tags_ok(meta: dict) -> bool:
    tags = meta["tags"]
    return (
        isinstance(tags, list)
        and all(isinstance(t, str) and t and "," not in t for t in tags)
        and len(set(tags)) == len(tags)
    )


def _output_ok(output: Any) -> bool:
    if not isinstance(output, dict):
        return False
    kind = output.get("output_type")
    required = _OUTPUT_KEYS.get(kind) if isinstance(kind, str) else None
    if required is None:
        return False
    present = set(output)
    if present != required:
        return False
    if kind == "stream":
        return isinstance(output["name"], str) and _multiline_ok(output["text"])
    if kind == "error":
        return (
            isinstance(output["ename"], str)
            and isinstance(output["evalue"], str)
            and isinstance(output["traceback"], list)
            and all(isinstance(line, str) for line in output["traceback"])
        )
    if not (isinstance(output["data"], dict) and isinstance(output["metadata"], dict)):
        return False
    if kind == "execute_result":
        count = output["execution_count"]
        if count is not None and not (type(count) is int and count >= 0):
            return False
    return _mimebundle_ok(output["data"])


def _mimebundle_ok(bundle: Any) -> bool:
    return isinstance(bundle, dict) and all(
        json_mime_ok(key) or _multiline_ok(value) for key, value in bundle.items()
    )


def _multiline_ok(value: Any) -> bool:
    """A string, or a list of strings (one per line). map() rather than a generator: saved
    outputs hold many lines, and a Python frame per line cost a 50 MB notebook 9 million
    instructions more."""
    return isinstance(value, str) or (
        isinstance(value, list) and all(map(isinstance, value, repeat(str)))
    )

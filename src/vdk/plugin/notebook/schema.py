"""A fast structural check of nbformat 4 notebooks.

Importing nbformat and validating with jsonschema costs more than running a small job, so every
notebook first goes through this check, written for the v4 schema. It only ever says "certainly
valid" or "look closer": anything it does not accept is handed to nbformat, which upgrades what it
can and gives the authoritative message. It must therefore never accept what nbformat rejects;
tests compare the two on a catalogue of broken notebooks.
"""
from __future__ import annotations

import re
from typing import Any

_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_JSON_MIME = re.compile(r"^application/(.*\+)?json$")
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
_OUTPUT_OPTIONAL = {"execute_result": {"transient"}, "display_data": {"transient"}}


def is_certainly_valid_v4(nb: Any) -> bool:
    """True when `nb` is a plain nbformat 4 notebook that nbformat would accept unchanged."""
    if not isinstance(nb, dict) or set(nb) != {"cells", "metadata", "nbformat", "nbformat_minor"}:
        return False
    minor = nb["nbformat_minor"]
    if nb["nbformat"] != 4 or type(minor) is not int or not 0 <= minor <= 5:
        return False
    if not _metadata_ok(nb["metadata"]) or not isinstance(nb["cells"], list):
        return False
    ids = set()
    for cell in nb["cells"]:
        if not _cell_ok(cell, needs_id=minor >= 5):
            return False
        if "id" in cell:
            if cell["id"] in ids:
                return False
            ids.add(cell["id"])
    return True


def _metadata_ok(meta: Any) -> bool:
    if not isinstance(meta, dict):
        return False
    kernelspec = meta.get("kernelspec")
    if kernelspec is not None and not (
        isinstance(kernelspec, dict)
        and isinstance(kernelspec.get("name"), str)
        and isinstance(kernelspec.get("display_name"), str)
    ):
        return False
    info = meta.get("language_info")
    return info is None or (isinstance(info, dict) and isinstance(info.get("name"), str))


def _cell_ok(cell: Any, needs_id: bool) -> bool:
    if not isinstance(cell, dict):
        return False
    keys = _CELL_KEYS.get(cell.get("cell_type"))
    if keys is None:
        return False
    required, optional = keys
    present = set(cell)
    if not required <= present or not present <= required | optional:
        return False
    if needs_id and "id" not in cell:
        return False
    if "id" in cell and not (isinstance(cell["id"], str) and _ID.match(cell["id"])):
        return False
    if not _multiline_ok(cell["source"]) or not _cell_metadata_ok(cell["metadata"]):
        return False
    if cell["cell_type"] != "code":
        return "attachments" not in cell or isinstance(cell["attachments"], dict)
    count = cell["execution_count"]
    if count is not None and not (type(count) is int and count >= 0):
        return False
    return isinstance(cell["outputs"], list) and all(map(_output_ok, cell["outputs"]))


def _cell_metadata_ok(meta: Any) -> bool:
    if not isinstance(meta, dict):
        return False
    tags = meta.get("tags")
    if tags is not None and not (
        isinstance(tags, list)
        and all(isinstance(t, str) and "," not in t for t in tags)
        and len(set(tags)) == len(tags)
    ):
        return False
    for key, kind in (("jupyter", dict), ("execution", dict), ("name", str)):
        if key in meta and not isinstance(meta[key], kind):
            return False
    return "collapsed" not in meta or isinstance(meta["collapsed"], bool)


def _output_ok(output: Any) -> bool:
    if not isinstance(output, dict):
        return False
    kind = output.get("output_type")
    required = _OUTPUT_KEYS.get(kind)
    if required is None:
        return False
    present = set(output)
    if not required <= present or not present <= required | _OUTPUT_OPTIONAL.get(kind, set()):
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
    return all(
        _JSON_MIME.match(key) or _multiline_ok(value) for key, value in output["data"].items()
    )


def _multiline_ok(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(line, str) for line in value)
    )

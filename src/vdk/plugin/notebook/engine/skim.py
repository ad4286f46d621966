"""Reading a large notebook without decoding its saved outputs.

A notebook of saved images is mostly base64 text under `outputs`, which a run never uses (the
executed copy holds the new outputs). Decoding it costs json about 12 instructions a byte; here
each long string's bytes are only checked to be a valid JSON string (ASCII, no control
characters, valid escapes: 4-5 instructions a byte, done by `bytes.find`) and the string is
replaced by a marker before the rest goes to json. The result is trusted only when json accepts
the text, and every marker turns up as a value inside some cell's `outputs`: a long string
anywhere else (a key, a source line, metadata), or a guess about where a string starts that was
wrong, leaves a marker elsewhere or breaks the JSON, and the caller reads the file in full as
before, so every malformed file gets the error it always got.
"""
from __future__ import annotations

import json
from typing import Any
from typing import Optional

# Below this size a notebook is read in full: what there is to save is small.
MIN_FILE_BYTES = 1_000_000
MIN_SKIPPED_BYTES = 4096  # the shortest string skimmed; shorter ones cost json little
MARKER = "\ue000"  # a private-use character, checked to be absent from the file
_MARKER_BYTES = MARKER.encode("utf-8")
_MARKER_ESCAPES = (b"\\ue000", b"\\uE000")
# Bytes a JSON string may not hold as they are (json.loads is strict).
_CONTROL = tuple(bytes([code]) for code in range(0x20))
_ESCAPED = frozenset(b'"\\/bfnrt')
_HEX = frozenset(b"0123456789abcdefABCDEF")
_MAX_ESCAPES = 64  # more in one string: left to json, which handles them faster


def skim(data: bytes) -> Optional[Any]:
    """The JSON document in `data` (UTF-8, optional BOM) with long strings inside its cells'
    `outputs` replaced by MARKER; None when that cannot be vouched for (read it in full)."""
    if len(data) < MIN_FILE_BYTES:
        return None
    kept, skipped = _skimmed(data, all_ascii=data.isascii())
    if not skipped or kept.count(_MARKER_BYTES) != skipped or any(
            escape in kept for escape in _MARKER_ESCAPES):
        return None  # a marker of the file's own would be taken for a skipped string
    try:
        nb = json.loads(kept.decode("utf-8-sig"))
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, huge integers
        return None
    return nb if _markers_in_outputs(nb) == skipped else None


def _skimmed(data: bytes, all_ascii: bool) -> tuple[bytes, int]:
    """`data` with the content of every long run between two quotes that is a plain JSON string
    replaced by the marker, and how many were. Runs are found window by window (a Python loop
    per quote would cost more than json's own scan): a window of MIN_SKIPPED_BYTES after a
    quote that holds no quote starts a long run."""
    parts: list[bytes] = []
    skipped = 0
    done = 0  # data[:done] is in parts
    at = data.find(b'"') + 1  # just after a quote
    while at > 0:
        last = data.rfind(b'"', at, at + MIN_SKIPPED_BYTES)
        if last >= 0:
            at = last + 1
            continue
        end = data.find(b'"', at + MIN_SKIPPED_BYTES)
        if end < 0:
            break
        if _plain_string(data, at, end, all_ascii):
            parts += (data[done:at], _MARKER_BYTES)
            done = end
            skipped += 1
        at = end + 1
    parts.append(data[done:])
    return b"".join(parts), skipped


def _plain_string(data: bytes, start: int, end: int, all_ascii: bool) -> bool:
    """Whether data[start:end], between two quotes that no backslash precedes, is the content
    of a JSON string json.loads accepts (strictly), made of ASCII (`all_ascii`: all of `data`
    is, checked once, which spares copying each string to check it)."""
    if data[start - 2:start - 1] == b"\\" or data[end - 1:end] == b"\\":
        return False  # a quote that may be escaped: left to json
    if not all_ascii and not data[start:end].isascii():
        return False  # UTF-8 is left to the decoder, which says where it is broken
    if any(data.find(control, start, end) >= 0 for control in _CONTROL):
        return False
    escapes = 0
    at = data.find(b"\\", start, end)
    while at >= 0:
        escapes += 1
        code = data[at + 1]
        if escapes > _MAX_ESCAPES:
            return False
        if code == ord("u"):
            if not all(digit in _HEX for digit in data[at + 2:at + 6]) or at + 6 > end:
                return False
            at = data.find(b"\\", at + 6, end)
        elif code in _ESCAPED:
            at = data.find(b"\\", at + 2, end)
        else:
            return False
    return True


def _markers_in_outputs(nb: Any) -> int:
    """How many strings equal to MARKER the cells' outputs hold as values, looked for where
    outputs keep long strings: an output's values, and the values of the dictionaries in it
    (`data`), each a string or a list of strings. One found elsewhere is not counted, so the
    count falls short and the notebook is read in full. (-1: not a notebook's shape.)"""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        return -1
    found = 0
    for cell in cells:
        outputs = cell.get("outputs") if isinstance(cell, dict) else None
        if not isinstance(outputs, list):
            continue
        for output in outputs:
            if isinstance(output, dict):
                for value in output.values():
                    found += _shallow(value.values() if isinstance(value, dict) else (value,))
    return found


def _shallow(values: Any) -> int:
    found = 0
    for value in values:
        if value.__class__ is str:
            found += value == MARKER
        elif value.__class__ is list:
            found += value.count(MARKER)
    return found

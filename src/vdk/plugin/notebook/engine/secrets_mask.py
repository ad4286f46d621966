"""Job arguments whose names look secret, hidden in what the run writes down.

The injected-parameters cell shows the job's arguments as assignments, and the executed notebook
(and its HTML copy) keeps that cell: `db_password = 's3cret'` would sit in clear in every
report, readable wherever reports are kept. Values of arguments whose names contain one of the
configured words (NOTEBOOK_SECRET_NAMES; by default password, passwd, secret, token, key,
credential; case-insensitive, anywhere in the name) are therefore shown masked, at any depth of
a JSON object, while the cell's code still assigns the real value. Better still, such values
come from VDK's secrets (`job_input.get_secret`), never from arguments.
"""
from __future__ import annotations

from typing import Any
from typing import Callable
from typing import Iterable

DEFAULT_SECRET_NAMES = ("password", "passwd", "secret", "token", "key", "credential")
MASK = "<masked>"


def secret_names(setting: Any) -> tuple[str, ...]:
    """The words of a NOTEBOOK_SECRET_NAMES value ("password, token"); empty: mask nothing."""
    return tuple(word.strip().lower() for word in str(setting or "").split(",") if word.strip())


def looks_secret(name: Any, words: Iterable[str]) -> bool:
    lowered = str(name).lower()
    return any(word in lowered for word in words)


def masked(value: Any, words: Iterable[str]) -> Any:
    """`value` with the values of secret-looking keys of its JSON objects replaced by MASK."""
    words = tuple(words)
    if isinstance(value, dict):
        return {key: MASK if looks_secret(key, words) else masked(item, words)
                for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item, words) for item in value]
    return value


def shown_assignment(name: str, value: Any, words: Iterable[str],
                     literal: Callable[[Any], str]) -> str:
    """The line of the injected-parameters cell as reports show it."""
    words = tuple(words)
    if looks_secret(name, words):
        return f"{name} = {literal(MASK)}  # masked: the name looks secret (NOTEBOOK_SECRET_NAMES)"
    return f"{name} = {literal(masked(value, words))}"

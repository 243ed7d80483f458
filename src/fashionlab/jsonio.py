"""Typed records to and from plain JSON: strict, so a damaged ``results.json`` is refused."""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from typing import Any, Union


def to_json(value: Any) -> Any:
    """Plain JSON: dataclasses to objects, tuples to lists, non-finite floats to null."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return to_json(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def strict_text(payload: Any) -> str:
    """Strict JSON text: a non-finite number is null, never a bare NaN token, and every string is
    Unicode (a file name's byte 0xFF shows as the four characters \\xff, not as a lone surrogate
    that strict parsers refuse)."""
    return json.dumps(_strict(payload), indent=2, allow_nan=False)


def strict_loads(text: str | bytes) -> Any:
    """JSON text as Python values, refusing what JSON has no number for: the NaN, Infinity and
    -Infinity tokens that Python's parser takes, and a number too large for a float (1e400 reads
    as inf). A cached value with one could not be written out again (the hostile review of stop
    46: an edited entry's NaN stopped every later sweep, with a traceback, and stayed)."""

    def refuse(token: str) -> Any:
        raise ValueError(f"{token} is not a JSON number")

    def finite(token: str) -> float:
        value = float(token)
        if not math.isfinite(value):
            raise ValueError(f"{token} is too large for a float")
        return value

    return json.loads(text, parse_constant=refuse, parse_float=finite)


def unicode_text(text: str) -> str:
    """``text`` with a path's undecodable bytes, which Python holds as lone surrogates, as the
    four characters ``\\xff``."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no byte stands for
        return text.encode("utf-8", "backslashreplace").decode()


def _strict(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return unicode_text(value)
    if isinstance(value, dict):
        return {_strict(str(k)): _strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(v) for v in value]
    return value


def conform(hint: Any, value: Any, where: str) -> Any:
    """``value`` as the type ``hint`` (``float``, ``int``, ``list[float]``, a record...); a value of
    another shape raises ValueError naming ``where``."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return conform(inner[0], value, where)
    if dataclasses.is_dataclass(hint):
        return from_json(hint, value, where)  # type: ignore[arg-type]
    if origin is tuple:
        if not isinstance(value, list) or len(value) != len(args):
            raise ValueError(f"{where}: expected a list of {len(args)}, got {value!r:.60}")
        return tuple(conform(a, v, where) for a, v in zip(args, value, strict=True))
    if origin is list:
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
        return [conform(args[0], v, f"{where}[]") for v in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected an object, got {type(value).__name__}")
        return {k: conform(args[1], v, f"{where}.{k}") for k, v in value.items()}
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: expected a number, got {value!r:.60}")
        return float(value)
    if hint in (int, str, bool) and (type(value) is not hint):
        raise ValueError(f"{where}: expected {hint.__name__}, got {value!r:.60}")
    return value


def from_json(cls: type[Any], data: Any, where: str = "results") -> Any:
    """Rebuild a record from its JSON; a missing or mistyped field raises ValueError."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            if f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING:
                continue
            raise ValueError(f"{where}: missing field {f.name!r}")
        values[f.name] = conform(hints[f.name], data[f.name], f"{where}.{f.name}")
    return cls(**values)

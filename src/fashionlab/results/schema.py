"""The JSON Schema of ``results.json``, generated from the typed record in ``results``.

``python -m fashionlab.results.schema`` prints it; ``docs/results.schema.json`` is its
checked-in copy, and a test fails when that copy is stale.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import types
import typing
from typing import Any, Union

from .. import results

_SCALARS = {
    float: {"type": "number"},
    int: {"type": "integer"},
    str: {"type": "string"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
}


def _type(hint: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    if hint is Any:
        return {}
    if origin in (Union, types.UnionType):
        return {"anyOf": [_type(a, definitions) for a in args]}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        name = hint.__name__
        if name not in definitions:
            definitions[name] = {}  # placeholder against recursion
            definitions[name] = _object(hint, definitions)
        return {"$ref": f"#/$defs/{name}"}
    if origin is tuple:
        items = [_type(a, definitions) for a in args]
        return {"type": "array", "prefixItems": items, "minItems": len(args), "maxItems": len(args)}
    if origin is list:
        return {"type": "array", "items": _type(args[0], definitions)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type(args[1], definitions)}
    raise TypeError(f"no JSON Schema for {hint!r}")


def _object(cls: type[Any], definitions: dict[str, Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    required = [
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    return {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0],
        "properties": {f.name: _type(hints[f.name], definitions) for f in fields},
        "required": required,
        "additionalProperties": False,
    }


def schema() -> dict[str, Any]:
    definitions: dict[str, Any] = {}
    top = _object(results.Results, definitions)
    top["properties"]["schema_version"] = {"const": results.SCHEMA_VERSION}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "fashionlab/results.schema.json",
        "title": "fashionlab results.json",
        **top,
        "$defs": dict(sorted(definitions.items())),
    }


def text() -> str:
    return json.dumps(schema(), indent=2) + "\n"


def main() -> int:
    """Print the schema; a stdout that cannot take it (``> /dev/full``) is one line and status 1,
    a reader gone (``| head``) status 0."""
    try:
        print(text(), end="", flush=True)
    except OSError as exc:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        if isinstance(exc, BrokenPipeError):
            return 0
        print(f"cannot write the schema ({exc.strerror or exc})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

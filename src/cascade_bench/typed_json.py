"""Dataclasses from decoded JSON, each field checked against its annotation:
the first bad field becomes a one-line error naming its JSON path."""

from __future__ import annotations

import math
import types
import typing
from dataclasses import MISSING, fields, is_dataclass
from typing import Any

from .model import Costs


class Bad(Exception):
    """A schema violation at a JSON path; becomes a one-line SuiteError."""


def get(d: dict, key: str, where: str, kind: type | tuple, *, optional: bool = False) -> Any:
    if key not in d or d[key] is None:
        if optional:
            return None
        raise Bad(f"{where}.{key}: missing")
    value = d[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if float in kinds and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise Bad(f"{where}.{key}: expected {'/'.join(k.__name__ for k in kinds)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise Bad(f"{where}.{key}: not a finite number")
    return value


def obj(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise Bad(f"{where}: expected an object")
    return value


def _list(d: dict, key: str, where: str, item: Any) -> list:
    value = d.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Bad(f"{where}.{key}: expected a list")
    if is_dataclass(item):
        return [load(item, obj(v, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
                for i, v in enumerate(value)]  # fmt: skip
    box = {str(i): v for i, v in enumerate(value)}
    return [get(box, str(i), f"{where}.{key}", item) for i in range(len(value))]


def _costs(d: dict, key: str, where: str) -> Costs:
    value = d.get(key)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)
    ):
        raise Bad(f"{where}.{key}: expected [parent, culprit] numbers")
    return float(value[0]), float(value[1])


def load(cls: Any, d: dict, where: str) -> Any:
    """A dataclass from JSON, each field checked against its annotation."""
    hints = typing.get_type_hints(cls)
    kw: dict[str, Any] = {}
    for f in fields(cls):
        hint, name = hints[f.name], f.name
        args = typing.get_args(hint)
        optional = f.default is not MISSING or f.default_factory is not MISSING
        if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
            hint, optional = next(a for a in args if a is not type(None)), True
        origin = typing.get_origin(hint)
        if optional and d.get(name) is None and origin is not list:
            if f.default is MISSING and f.default_factory is MISSING:
                kw[name] = None
            continue
        if hint == Costs:
            kw[name] = _costs(d, name, where)
        elif origin is list:
            kw[name] = _list(d, name, where, typing.get_args(hint)[0])
        elif origin is dict:
            raw = get(d, name, where, dict, optional=True) or {}
            strings = typing.get_args(hint) == (str, str)
            kw[name] = {str(k): str(v) if strings else v for k, v in raw.items()}
        elif is_dataclass(hint):
            sub, at = d.get(name), f"{where}.{name}"
            kw[name] = None if sub is None else load(hint, obj(sub, at), at)
        else:
            value = get(d, name, where, hint if hint is not Any else object, optional=optional)
            if value is not None or f.default is MISSING:
                kw[name] = value
    return cls(**kw)


"""The one place that knows which Cascade API era the installed commit is in.

Detection is by importing the modules that define a feature, never by
``hasattr(cascade, ...)``: before the Jump era an unknown attribute on
``cascade`` triggers plugin discovery that prints to stdout.

| workload family                     | exists                               |
|-------------------------------------|--------------------------------------|
| implicit TCO (task returns a task)  | until explicit control flow arrived  |
| VM (``TailCall``, ``use_vm=True``)  | from the VM path's introduction      |
| explicit ``Jump`` loops             | from explicit control flow           |
"""

from __future__ import annotations

import importlib
import inspect
from functools import cache
from types import ModuleType

IMPLICIT = "implicit TCO"
VM = "TailCall VM path"
JUMP = "explicit Jump control flow"

# Every workload the suite knows, and the era it belongs to. Benchmark modules
# read this at import time, so this module must not import Cascade at top level.
WORKLOAD_FAMILY = {
    "simple_countdown": IMPLICIT,
    "heavy_complex_countdown": IMPLICIT,
    "stable_complex_loop": IMPLICIT,
    "vm_countdown": VM,
    "explicit_jump_loop": JUMP,
    "heavy_jump_loop": JUMP,
}

# The targets of Cascade's own scripts/profile_entry.py, accepted as other names of
# these workloads by ``cascade-bench profile``.
PROFILE_ENTRY_ALIASES = {
    "graph": "explicit_jump_loop",
    "heavy": "heavy_jump_loop",
    "vm": "vm_countdown",
}

# TailCall moved from the runtime to the spec package when the monorepo was re-cut.
TAILCALL_MODULES = ("cascade.spec.blueprint", "cascade.runtime.blueprint")
JUMP_MODULE = "cascade.spec.jump"


def _optional_module(name: str) -> ModuleType | None:
    """Import ``name``; None only if *that* module (or a parent) does not exist."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise  # the module exists but is broken: a failure, not a skip


@cache
def tail_call_class() -> type | None:
    for name in TAILCALL_MODULES:
        module = _optional_module(name)
        if module is not None and hasattr(module, "TailCall"):
            return module.TailCall
    return None


@cache
def has_jump() -> bool:
    return _optional_module(JUMP_MODULE) is not None


@cache
def engine_has_vm() -> bool:
    from cascade.runtime import Engine

    return "use_vm" in inspect.signature(Engine.run).parameters


@cache
def available() -> frozenset[str]:
    """The workload families the installed Cascade supports."""
    families = set()
    # Explicit control flow replaced implicit TCO (which then raises StaticGraphError).
    families.add(JUMP if has_jump() else IMPLICIT)
    if tail_call_class() is not None and engine_has_vm():
        families.add(VM)
    return frozenset(families)


def require(family: str) -> None:
    """Skip (asv's n/a) when the installed Cascade predates or dropped ``family``."""
    if family not in available():
        raise NotImplementedError(f"{family} does not exist at this Cascade commit")

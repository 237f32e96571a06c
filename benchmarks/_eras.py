"""The one place that knows which Cascade API era the installed commit is in.

Detection is by importing the modules that define a feature, never by
``hasattr(cascade, ...)``: before the Jump era an unknown attribute on
``cascade`` triggers plugin discovery that prints to stdout.

Every family needs the engine API the workloads drive (``Engine``, ``MessageBus``,
``NativeSolver``, ``LocalExecutor`` where ``ENGINE_API`` says): where it does not
exist (the single-package era's empty ``cascade/runtime/__init__.py``), every
workload is n/a.

| workload family                     | exists                               |
|-------------------------------------|--------------------------------------|
| implicit TCO (task returns a task)  | from TCO (the engine runs a returned |
|                                     | LazyResult) until explicit control   |
|                                     | flow arrived                         |
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

# The engine the workloads drive: (module, names) as the workloads import them.
ENGINE_API = (
    ("cascade.runtime", ("Engine", "MessageBus")),
    ("cascade.adapters.solvers.native", ("NativeSolver",)),
    ("cascade.adapters.executors.local", ("LocalExecutor",)),
)

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
def engine_api() -> dict[str, type] | str:
    """The engine's classes by name, or why they do not exist at this commit (a
    module or a name missing: an era fact; a module that fails to import raises)."""
    found = {}
    for module_name, names in ENGINE_API:
        module = _optional_module(module_name)
        missing = [n for n in names if module is None or not hasattr(module, n)]
        if missing:
            return (f"the engine API this suite drives ({module_name}."
                    f"{', '.join(missing)}) does not exist at this Cascade commit")  # fmt: skip
        found.update({n: getattr(module, n) for n in names})
    return found


def require_engine() -> dict[str, type]:
    """The engine's classes; n/a (NotImplementedError) where they do not exist."""
    api = engine_api()
    if isinstance(api, str):
        raise NotImplementedError(api)
    return api


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
    return "use_vm" in inspect.signature(require_engine()["Engine"].run).parameters


@cache
def has_implicit_tco() -> bool:
    """By behaviour: no module marks it (the engine's run loop learned to follow a
    returned LazyResult)."""
    from . import _workloads  # imports Cascade: only inside the benchmark process

    return _workloads.follows_returned_tasks()


@cache
def available() -> frozenset[str]:
    """The workload families the installed Cascade supports."""
    families = set()
    # Explicit control flow replaced implicit TCO (which then raises StaticGraphError).
    if has_jump():
        families.add(JUMP)
    elif has_implicit_tco():
        families.add(IMPLICIT)
    if tail_call_class() is not None and engine_has_vm():
        families.add(VM)
    return frozenset(families)


def require(family: str) -> None:
    """Skip (asv's n/a) when the installed Cascade predates or dropped ``family``
    (or the engine itself)."""
    require_engine()
    if family not in available():
        raise NotImplementedError(f"{family} does not exist at this Cascade commit")

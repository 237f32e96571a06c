"""Cascade's TCO loop workloads, built from the public API only.

Imported lazily (from benchmark ``setup``) because it imports Cascade. Tasks are
defined at module level in a real file: the engine may call
``inspect.getsource`` on them, and tasks without source take another path.

Every loop body bumps ``BODY_RUNS`` so a run can prove the loop really ran n+1
times: at some commits a reused engine keeps stale state and runs the body once,
which would otherwise look like a 100x speed-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cascade as cs

from . import _eras
from ._steady import WARMUP_N

BODY_RUNS = [0]
HEAVY_CHAIN = 10  # noop nodes per iteration in the implicit-TCO heavy loops
HEAVY_JUMP_CHAIN = 20  # noop nodes in the heavy Jump loop's stable structure


class WrongResult(AssertionError):
    """The loop finished but did not do the work: fail the benchmark, never look fast."""


@cs.task
def noop(_dummy=None):
    return "done"


def _chain(length: int):
    chain = noop()
    for _ in range(length):
        chain = noop(_dummy=chain)
    return chain


@cs.task
def simple_countdown(n: int):
    BODY_RUNS[0] += 1
    if n <= 0:
        return "done"
    return simple_countdown(n - 1)


@cs.task
def heavy_complex_countdown(n: int, _dummy=None):
    BODY_RUNS[0] += 1
    if n <= 0:
        return "done"
    return heavy_complex_countdown(n - 1, _dummy=_chain(HEAVY_CHAIN))


@cs.task
def stable_complex_loop(counter_box: list, _dummy=None):
    BODY_RUNS[0] += 1
    if counter_box[0] <= 0:
        return "done"
    counter_box[0] -= 1
    return stable_complex_loop(counter_box, _dummy=_dummy)


@cs.task
def vm_countdown(n: int):
    BODY_RUNS[0] += 1
    if n <= 0:
        return "done"
    return _eras.tail_call_class()(kwargs={"n": n - 1})


@cs.task
def explicit_countdown_step(n: int):
    BODY_RUNS[0] += 1
    if n <= 0:
        return cs.Jump(target_key="exit", data="done")
    return cs.Jump(target_key="loop", data=n - 1)


@cs.task
def heavy_step(n: int, _structure=None):
    BODY_RUNS[0] += 1
    if n <= 0:
        return cs.Jump(target_key="exit", data="done")
    return cs.Jump(target_key="loop", data=n - 1)


@cs.task
def _returns_a_task(n: int):
    if n <= 0:
        return "done"
    return _returns_a_task(n - 1)


def follows_returned_tasks() -> bool:
    """Whether the engine runs a LazyResult that a task returns (implicit TCO);
    before TCO it hands the LazyResult back as the result."""
    return asyncio.run(new_engine().run(_returns_a_task(1))) == "done"


def _jump_loop(step):
    cs.bind(step, cs.select_jump({"loop": step, "exit": None}))
    return step


@dataclass(frozen=True)
class Workload:
    """How to build one workload's loop; its era is ``_eras.WORKLOAD_FAMILY[name]``."""

    build: Callable[[int], Any]  # n -> target LazyResult
    use_vm: bool = False
    doc: str = ""


WORKLOADS: dict[str, Workload] = {
    "simple_countdown": Workload(simple_countdown, doc="implicit TCO, one node per iteration"),
    "heavy_complex_countdown": Workload(
        heavy_complex_countdown,
        doc=f"implicit TCO, a new {HEAVY_CHAIN}-noop chain built every iteration",
    ),
    "stable_complex_loop": Workload(
        lambda n: stable_complex_loop([n], _dummy=_chain(HEAVY_CHAIN)),
        doc=f"implicit TCO, one {HEAVY_CHAIN}-noop chain built once (cache-friendly)",
    ),
    "vm_countdown": Workload(
        lambda n: vm_countdown(n=n), use_vm=True, doc="TailCall on the VM path"
    ),
    "explicit_jump_loop": Workload(
        lambda n: _jump_loop(explicit_countdown_step(n)),
        doc="cs.Jump + select_jump + bind, one node per iteration",
    ),
    "heavy_jump_loop": Workload(
        lambda n: _jump_loop(heavy_step(n, _structure=_chain(HEAVY_JUMP_CHAIN))),
        doc=f"Jump loop whose step depends on a stable {HEAVY_JUMP_CHAIN}-noop chain",
    ),
}
# One catalogue: every workload built here has an era there, and the reverse.
assert set(WORKLOADS) == set(_eras.WORKLOAD_FAMILY), "benchmarks/_eras.py and _workloads.py"


@dataclass
class Loop:
    """One ready-to-run loop: a fresh engine and a fresh target, run exactly once."""

    name: str
    n: int
    engine: Any
    target: Any
    use_vm: bool

    def run(self) -> None:
        BODY_RUNS[0] = 0
        kwargs = {"use_vm": True} if self.use_vm else {}
        result = asyncio.run(self.engine.run(self.target, **kwargs))
        if result != "done" or BODY_RUNS[0] != self.n + 1:
            raise WrongResult(
                f"{self.name}(n={self.n}) returned {result!r} after {BODY_RUNS[0]} "
                f"body runs; expected 'done' after {self.n + 1}"
            )


def new_engine() -> Any:
    api = _eras.require_engine()  # n/a where the engine API does not exist
    return api["Engine"](solver=api["NativeSolver"](), executor=api["LocalExecutor"](),
                         bus=api["MessageBus"]())  # fmt: skip


def prepare(name: str, n: int) -> Loop:
    """A fresh engine and target for ``name`` (NotImplementedError where it does not exist)."""
    workload = WORKLOADS[name]
    _eras.require(_eras.WORKLOAD_FAMILY[name])
    return Loop(name, n, new_engine(), workload.build(n), workload.use_vm)


_warmed: set[str] = set()


def warm_up(name: str) -> None:
    """Run ``name`` once per process: at some commits the first run in a process
    fills a lazily-set cache and takes a 10-15x different path than every later run."""
    if name not in _warmed:
        prepare(name, WARMUP_N).run()
        _warmed.add(name)

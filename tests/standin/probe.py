"""Run the benchmark workloads on the installed ``cascade`` and print JSON.

Usage: ``python probe.py [N [REPEATS]]`` with the environment's Python. Stdlib only;
tasks are defined at module level, as in the benchmark suite. Output:
``{"workloads": {name: {...}}, "api": {...}}``.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import importlib
import json
import pstats
import sys
import time
from typing import Any

import cascade as cs
from cascade.adapters.executors.local import LocalExecutor
from cascade.adapters.solvers.native import NativeSolver
from cascade.runtime import Engine, MessageBus

try:
    from cascade import Jump  # noqa: F401

    HAS_JUMP = True
except ImportError:
    HAS_JUMP = False

TailCall: Any = None
for _module in ("cascade.spec.blueprint", "cascade.runtime.blueprint"):
    try:
        TailCall = importlib.import_module(_module).TailCall
        break
    except ImportError:
        continue

BODY = [0]  # executions of the loop body


@cs.task
def noop(_dummy: Any = None) -> str:
    return "done"


@cs.task
def simple_countdown(n: int) -> Any:
    BODY[0] += 1
    return "done" if n <= 0 else simple_countdown(n - 1)


@cs.task
def heavy_complex_countdown(n: int, _dummy: Any = None) -> Any:
    BODY[0] += 1
    if n <= 0:
        return "done"
    chain = noop()
    for _ in range(10):
        chain = noop(_dummy=chain)
    return heavy_complex_countdown(n - 1, _dummy=chain)


@cs.task
def vm_countdown(n: int) -> Any:
    BODY[0] += 1
    return "done" if n <= 0 else TailCall(kwargs={"n": n - 1})


@cs.task
def explicit_countdown_step(n: int) -> Any:
    BODY[0] += 1
    if n <= 0:
        return cs.Jump(target_key="exit", data="done")
    return cs.Jump(target_key="loop", data=n - 1)


@cs.task
def heavy_step(n: int, _structure: Any = None) -> Any:
    BODY[0] += 1
    if n <= 0:
        return cs.Jump(target_key="exit", data="done")
    return cs.Jump(target_key="loop", data=n - 1)


def _bound(step: Any) -> Any:
    cs.bind(step, cs.select_jump({"loop": step, "exit": None}))
    return step


def _heavy_jump(n: int) -> Any:
    chain = noop()
    for _ in range(20):
        chain = noop(_dummy=chain)
    return _bound(heavy_step(n, _structure=chain))


WORKLOADS = {
    "simple": (simple_countdown, {}),
    "heavy": (heavy_complex_countdown, {}),
    "vm": (vm_countdown, {"use_vm": True}),
    "jump": (lambda n: _bound(explicit_countdown_step(n)), {}),
    "heavy_jump": (_heavy_jump, {}),
}
EXISTS = {
    "simple": not HAS_JUMP,
    "heavy": not HAS_JUMP,
    "vm": TailCall is not None,
    "jump": HAS_JUMP,
    "heavy_jump": HAS_JUMP,
}


def _engine() -> Engine:
    return Engine(solver=NativeSolver(), executor=LocalExecutor(), bus=MessageBus())


def run_workload(name: str, n: int) -> Any:
    """Run workload ``name`` once on a fresh engine; check result and count."""
    make, options = WORKLOADS[name]
    BODY[0] = 0
    result = asyncio.run(_engine().run(make(n), **options))
    if result != "done" or BODY[0] != n + 1:
        raise AssertionError(f"{name}: result {result!r}, body ran {BODY[0]}x")
    return result


def _calls(name: str, n: int) -> dict[str, tuple[int, float]]:
    """cProfile one run: {"file-in-cascade:function": (calls, own seconds)}.

    Without the garbage collector, as in the suite: a collection inside the
    window would count finalizers of earlier runs' objects."""
    gc.collect()
    gc.disable()
    try:
        profiler = cProfile.Profile()
        profiler.runcall(run_workload, name, n)
    finally:
        gc.enable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    out = {"<total>": (0, 0.0)}
    for (filename, _, func), (_, calls, tottime, _, _) in stats.items():
        total = out["<total>"]
        out["<total>"] = (total[0] + calls, total[1] + tottime)
        parts = filename.replace("\\", "/").split("/cascade/")
        if len(parts) > 1:
            key = f"{parts[-1]}:{func}"
            prev = out.get(key, (0, 0.0))
            out[key] = (prev[0] + calls, prev[1] + tottime)
    return out


def probe(name: str, n: int, repeats: int = 3) -> dict[str, Any]:
    """Status, per-iteration time (µs) and per-iteration call counts."""
    if not EXISTS[name]:
        return {"status": "absent"}
    try:
        run_workload(name, 20)  # warm-up
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            run_workload(name, n)
            best = min(best, time.perf_counter() - start)
        small, large = _calls(name, 100), _calls(name, 200)
    except Exception as exc:  # noqa: BLE001 - reported, not hidden
        return {"status": "fail", "error": f"{type(exc).__name__}: {exc}"}
    per_iter = {
        key: [(large[key][0] - small.get(key, (0, 0.0))[0]) / 100, large[key][1] / 201]
        for key in large
    }
    return {"status": "ok", "us_per_iter": best / (n + 1) * 1e6, "profile": per_iter}


def api_checks() -> dict[str, Any]:
    """Era-specific API behaviour."""
    out: dict[str, Any] = {"has_jump": HAS_JUMP, "has_tailcall": TailCall is not None}
    a, b = noop(), noop()
    out["lazy_result"] = (
        isinstance(a, cs.LazyResult)
        and a.task.name == "noop"
        and a.args == ()
        and a.kwargs == {}
        and a._uuid != b._uuid
    )
    try:
        coro = _engine().run(noop(), use_vm=False)
        out["use_vm_kw"] = asyncio.run(coro) == "done"
    except TypeError:
        out["use_vm_kw"] = "TypeError"
    if HAS_JUMP:
        try:
            asyncio.run(_engine().run(simple_countdown(3)))
            out["implicit_tco"] = "no error"
        except cs.StaticGraphError:
            out["implicit_tco"] = "StaticGraphError"

        @cs.task
        def kw_step(n: int = 0, acc: int = 0) -> Any:
            if n >= 3:
                return cs.Jump(target_key="exit", data=acc)
            return cs.Jump(target_key="loop", data={"n": n + 1, "acc": acc + n})

        out["dict_override"] = asyncio.run(_engine().run(_bound(kw_step()))) == 3
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    report = {
        "workloads": {name: probe(name, n, repeats) for name in WORKLOADS},
        "api": api_checks(),
    }
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()

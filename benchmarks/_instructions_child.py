"""The child process of ``_instructions``: one steady-state loop, nothing else.

Run by ``_instructions.count`` under valgrind, with this environment's interpreter::

    python -m <package>._instructions_child WORKLOAD ITERATIONS EXPECT_JSON

It imports as little as it can (its imports are counted too, identically in both
children of a measurement), checks that it runs in the environment, the benchmark
package and the Cascade the parent expects (``EXPECT_JSON``), runs the workload as
``_profiling.capture`` does (warm process, fresh engine and target, garbage
collector paused) and prints one JSON line: ``{"ok": true}``, ``{"skipped": why}``
or ``{"failed": why}``. It skips interpreter shutdown: tearing down the loop's
objects is not the loop.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
from pathlib import Path

from ._paths import CASCADE
from ._steady import WARMUP_N, pause_gc

FLOOR = "imperative_countdown"  # the Cascade-free floor, benchmarks/_imperative.py


class Mismatch(Exception):
    """The child does not run what the parent measures."""


def _package_dir() -> str:
    return str(Path(__file__).resolve().parent)


def _cascade_origin() -> str | None:
    module = sys.modules.get(CASCADE)
    if module is not None:
        return getattr(module, "__file__", None)
    try:
        spec = importlib.util.find_spec(CASCADE)
    except (ImportError, ValueError):
        return None
    return spec.origin if spec else None


def expectation() -> dict:
    """What a child must find (computed by the parent, checked by the child)."""
    return {"prefix": sys.prefix, "package": _package_dir(), "cascade": _cascade_origin()}


def _check(expect: dict) -> None:
    found = expectation()
    for key, what in (
        ("prefix", "runs in"),
        ("package", "imports the suite from"),
        ("cascade", "imports Cascade from"),
    ):
        if found[key] != expect[key]:
            raise Mismatch(f"the child {what} {found[key]}, not {expect[key]}")


def _target(workload: str, iterations: int):
    """Warm ``workload`` up and return the call that runs it once, fresh."""
    if workload == FLOOR:
        from ._imperative import countdown

        countdown(WARMUP_N)
        return lambda: countdown(iterations)
    if ":" in workload:
        module, name = workload.split(":", 1)
        function = getattr(importlib.import_module(module), name)
        function(WARMUP_N)
        return lambda: function(iterations)
    from . import _workloads

    _workloads.warm_up(workload)
    return _workloads.prepare(workload, iterations).run


def _fix_randomness() -> None:
    """Seed what PYTHONHASHSEED does not: ``uuid4`` (Cascade names every LazyResult,
    Jump and run with one) reads ``os.urandom``; random uuids as dict keys moved one
    child's count by up to 0.3 M instructions run to run (Jump loop, 03ca59f)."""
    import random

    random.seed(0)
    os.urandom = random.Random(0).randbytes


def run(workload: str, iterations: int, expect: dict) -> dict:
    try:
        _fix_randomness()
        _check(expect)
        loop = _target(workload, iterations)
        # As _profiling.capture, but never resumed: nothing after the loop may
        # collect its garbage (the child exits without shutdown).
        pause_gc()
        loop()
        _check(expect)  # again, now that the workload imported Cascade
    except NotImplementedError as exc:
        return {"skipped": str(exc)}
    except Exception as exc:  # noqa: BLE001 - one line for the parent
        text = str(exc) if isinstance(exc, Mismatch) else f"{type(exc).__name__}: {exc}"
        return {"failed": " ".join(text.split())}
    return {"ok": True}


if __name__ == "__main__":
    report = run(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]))
    sys.stdout.write(json.dumps(report) + "\n")
    sys.stdout.flush()
    os._exit(0)

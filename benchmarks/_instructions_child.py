"""The process ``_instructions`` runs under valgrind: one start-up, a fork per count.

Run by ``_instructions.count_all`` with this environment's interpreter::

    python -m <package>._instructions_child PLAN_DIR P EXPECT_JSON

``PLAN_DIR`` holds ``loop<i>.json`` = ``[workload, n, B]`` per loop. The process
imports as little as it can, checks that it runs in the environment, the benchmark
package and the Cascade the parent expects (``EXPECT_JSON``), imports everything
any workload needs once, in one order, and then forks:

- ``SLOTS`` children back to back before any of them runs, whatever the plan holds;
  child ``i`` reads only then, and only its own loop's file, and counts it, if there
  is one. So every child starts from the same state, whatever the plan and its
  order: a count taken after another workload had run moved by up to 0.2 % with
  the order, a plan read before the forks (its length, the modules it imported) by
  up to 0.5 %, and a whole plan read after the fork by up to 2 % (a small loop);
- each child warms its workload up (as ``_profiling.capture`` does: warm process,
  fresh engine and target, collector paused) and forks two grandchildren that run
  the loop ``B`` and ``B + n`` times and exit without interpreter shutdown.

valgrind follows forks and logs one total per process; a grandchild's total holds
everything its ancestors ran before the fork, the same for both grandchildren of a
loop, so ``total(B + n) - total(B)`` is the loop's ``n`` iterations alone.
At most ``P`` children run at once (tokens in a pipe that only the parent refills,
so a child that dies cannot starve the rest): counts are per process and do not
care about a busy neighbour.

Every grandchild and every child that could not count prints one JSON line:
``{"loop": i, "iterations": k, "pid": p}``, or ``{"loop": i, "skipped": why}`` /
``{"loop": i, "failed": why}``; the process itself prints ``{"failed": why}`` when
it cannot start.
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
SLOTS = 8  # children forked per process, whatever the plan holds (at most this many loops)


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


def _loader(workload: str):
    """``iterations -> loop`` for ``workload``, and its warm-up."""
    if workload == FLOOR:
        from ._imperative import countdown

        return (lambda k: lambda: countdown(k)), lambda: countdown(WARMUP_N)
    if ":" in workload:
        module, name = workload.split(":", 1)
        function = getattr(importlib.import_module(module), name)
        return (lambda k: lambda: function(k)), lambda: function(WARMUP_N)
    from . import _workloads

    return (lambda k: _workloads.prepare(workload, k).run), lambda: _workloads.warm_up(workload)


def _fix_randomness() -> None:
    """Seed what PYTHONHASHSEED does not: ``uuid4`` (Cascade names every LazyResult,
    Jump and run with one) reads ``os.urandom``; random uuids as dict keys moved one
    child's count by up to 0.3 M instructions run to run (Jump loop, 03ca59f)."""
    import random

    random.seed(0)
    os.urandom = random.Random(0).randbytes


def _one_line(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, Mismatch) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())


def _say(report: dict) -> None:
    # One write per line, shorter than PIPE_BUF: lines of processes never interleave.
    os.write(1, (json.dumps(report) + "\n").encode())


def _count_one(i: int, workload: str, n: int, base: int, tokens: int) -> None:
    """A loop's child: wait for a token, warm up, fork the two counted runs."""
    os.read(tokens, 1)
    try:
        make, warm_up = _loader(workload)
        warm_up()
    except NotImplementedError as exc:
        _say({"loop": i, "skipped": str(exc)})
        return
    except Exception as exc:  # noqa: BLE001 - one line for the parent
        _say({"loop": i, "failed": _one_line(exc)})
        return
    for iterations in (base, base + n):
        pid = os.fork()
        if pid == 0:
            _counted_run(i, make, iterations)
        if os.waitpid(pid, 0)[1]:
            return


def _counted_run(i: int, make, iterations: int) -> None:
    """A grandchild: a fresh loop (as the old one-loop child built it), run once."""
    try:
        loop = make(iterations)
        pause_gc()  # never resumed: nothing after the loop may collect its garbage
        loop()
    except NotImplementedError as exc:
        _say({"loop": i, "skipped": str(exc)})
        os._exit(1)
    except Exception as exc:  # noqa: BLE001 - one line for the parent
        _say({"loop": i, "failed": _one_line(exc)})
        os._exit(1)
    _say({"loop": i, "iterations": iterations, "pid": os.getpid()})
    os._exit(0)


def _import_all() -> None:
    """Everything any loop imports, in one order, whatever the plan: what the
    process allocates before the forks must not depend on what it will count."""
    from . import _imperative  # noqa: F401

    try:
        from . import _workloads  # noqa: F401
    except Exception:  # noqa: BLE001 - its loops' children report why
        pass


def _slot(i: int, plan_dir: str, tokens: int) -> None:
    """Child ``i``: read its own loop (after the fork, and nothing of the others':
    a plan read whole shapes the heap by its length) and count it, if it has one."""
    mine = Path(plan_dir, f"loop{i}.json")
    if mine.is_file():
        workload, n, base = json.loads(mine.read_text())
        _count_one(i, workload, n, base, tokens)


def run(plan_dir: str, parallel: int, expect: dict) -> None:
    try:
        _fix_randomness()
        _check(expect)
        _import_all()  # paid once, before the first fork
        _check(expect)  # again, now that Cascade is imported
    except Exception as exc:  # noqa: BLE001 - one line for the parent
        _say({"failed": _one_line(exc)})
        return
    read_end, write_end = os.pipe()
    os.write(write_end, b"t" * parallel)
    for i in range(SLOTS):  # back to back: the same state for every child
        pid = os.fork()
        if pid == 0:
            os.close(write_end)
            _slot(i, plan_dir, read_end)
            os._exit(0)
    for _ in range(SLOTS):
        os.wait()
        os.write(write_end, b"t")


if __name__ == "__main__":
    run(sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]))
    os._exit(0)  # no shutdown: tearing down the loops' objects is not the loop

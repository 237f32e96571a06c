"""CPU instructions per loop iteration, counted by valgrind: a deterministic signal.

Runs inside the benchmark environment (stdlib + Cascade). One measurement runs two
children of this environment's own interpreter (``_instructions_child``) under
``valgrind --tool=cachegrind --cache-sim=no``, both in steady state, with loops of
``base`` and ``base + n`` iterations, and reports::

    (instructions(base + n) - instructions(base)) / n

Interpreter start-up, imports, warm-up and set-up are the same in both children and
cancel out; so does whatever a loop does only in its first ``base`` iterations.

The children differ in nothing but the loop size, and repeat run to run: a fixed
environment (``PYTHONHASHSEED=0``, no bytecode written, so the first child leaves no
``.pyc`` for the second to read), the benchmark package's directory as working
directory, stdin from /dev/null, seeded ``os.urandom`` (see the child). Where an
object lands in memory moves a count (CPython caches type lookups by address), so
start-up must allocate the same things in every run. Single-threaded commits then
repeat exactly; Cascade's thread pool (from 03ca59f) leaves a noise that shrinks
with ``n``.

The children are started as ``python -m <package>._instructions_child`` with the
benchmark package asv imported first on ``PYTHONPATH``, and check that they run in
this environment, this package and this Cascade.

Outcomes use ``_profiling``'s vocabulary: ``Instructions``, ``Skipped`` (asv's n/a:
valgrind is not installed, or the workload does not exist at this commit) and
``Failed`` (one line: the child's error, a non-ELF interpreter, a timeout).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import _instructions_child as _child
from . import _profiling
from ._profiling import Failed, Skipped

FLOOR = _child.FLOOR
BASE = 10  # iterations run by both children: a loop's own first iterations cancel out
CHILD_TIMEOUT = 300  # seconds per child
NO_VALGRIND = "valgrind not installed"
VALGRIND = (
    "valgrind",
    "--tool=cachegrind",
    "--cache-sim=no",  # count instructions only
    "--cachegrind-out-file=/dev/null",
)
_TOTAL = re.compile(r"^==\d+== I\s+refs:\s+([\d,]+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Instructions:
    per_iteration: float
    small: int  # instructions of the whole child running ``base`` iterations
    big: int  # ... running ``base + n``
    base: int
    n: int


Outcome = Instructions | Skipped | Failed


class ChildError(RuntimeError):
    """A child did not measure; the message is one line."""


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def interpreter_problem(python: str) -> str | None:
    """Why valgrind cannot count ``python`` (None: it is a real binary).

    valgrind counts whatever the file executes: for a pyenv shim or any other
    script that would be the shell, not Python."""
    real = os.path.realpath(python)
    try:
        with open(real, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        return f"interpreter {python}: {exc.strerror}"
    if magic != b"\x7fELF":
        return f"interpreter {python} is {real}, not an ELF binary (a shim or a script?)"
    return None


def _package_parent() -> str:
    """The directory holding the benchmark package asv imported."""
    return str(Path(_child.__file__).resolve().parent.parent)


def _child_env(extra_path: tuple[str, ...]) -> dict[str, str]:
    """A fixed environment, not this process's: start-up copies it into the heap.
    Inherited, the environment of asv's benchmark process moved the floor by
    0.4 % between two runs of one commit."""
    return {
        "PYTHONPATH": os.pathsep.join([_package_parent(), *extra_path]),
        "PYTHONHASHSEED": _profiling.HASH_SEED,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PATH": os.defpath,
    }


def count(
    workload: str,
    iterations: int,
    *,
    python: str | None = None,
    extra_path: tuple[str, ...] = (),
) -> int:
    """Instructions of one whole child running ``workload`` for ``iterations``.

    Raises NotImplementedError where valgrind or the workload does not exist,
    ChildError where the child breaks."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise NotImplementedError(NO_VALGRIND)
    with tempfile.TemporaryDirectory(prefix="instructions-") as logdir:
        log = Path(logdir) / "valgrind.log"
        proc = _run_child(
            [valgrind, *VALGRIND, f"--log-file={log}"], workload, iterations, python, extra_path
        )
        valgrind_log = log.read_text(errors="replace") if log.is_file() else ""
    reports = [line for line in proc.stdout.splitlines() if line.startswith('{"')]
    if proc.returncode != 0 or not reports:
        why = _last_line(proc.stderr) if proc.stderr.strip() else _last_line(valgrind_log)
        raise ChildError(f"child exited {proc.returncode}: {why}")
    report = json.loads(reports[-1])
    if "skipped" in report:
        raise NotImplementedError(report["skipped"])
    if "failed" in report:
        raise ChildError(report["failed"])
    total = _TOTAL.search(valgrind_log)
    if not total:
        raise ChildError(f"no 'I refs' total in valgrind's log: {_last_line(valgrind_log)}")
    return int(total.group(1).replace(",", ""))


def _run_child(
    valgrind: list[str],
    workload: str,
    iterations: int,
    python: str | None,
    extra_path: tuple[str, ...],
) -> subprocess.CompletedProcess:
    cmd = [
        *valgrind,
        python or sys.executable,
        "-m",
        _child.__name__,
        workload,
        str(iterations),
        json.dumps(_child.expectation(), sort_keys=True),
    ]
    try:
        return subprocess.run(
            cmd,
            # sys.path[0] of ``-m``: the package's own directory, the same every run
            cwd=_package_parent(),
            env=_child_env(extra_path),
            stdin=subprocess.DEVNULL,  # start-up allocates by stdin's kind: fix it too
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ChildError(f"timeout: {workload}({iterations}) ran over {CHILD_TIMEOUT} s") from None


def measure(
    workload: str,
    n: int,
    *,
    base: int = BASE,
    python: str | None = None,
    extra_path: tuple[str, ...] = (),
) -> Outcome:
    """Instructions per iteration of ``workload`` over ``n`` steady-state iterations.

    ``workload``: a name in ``_eras.WORKLOAD_FAMILY``, ``FLOOR``, or
    ``"module:function"`` (run as ``function(iterations)``, importable from
    ``extra_path``: tests and ad-hoc floors). ``python`` defaults to this process's
    interpreter, which is the one to count.
    """
    if shutil.which("valgrind") is None:
        return Skipped(NO_VALGRIND)
    try:
        if workload != FLOOR and ":" not in workload:
            from . import _eras  # imports Cascade: only for Cascade's workloads

            _eras.require(_eras.WORKLOAD_FAMILY[workload])  # n/a without a valgrind run
        problem = interpreter_problem(python or sys.executable)
        if problem:
            return Failed(problem)
        small = count(workload, base, python=python, extra_path=extra_path)
        big = count(workload, base + n, python=python, extra_path=extra_path)
    except NotImplementedError as exc:
        return Skipped(str(exc))
    except ChildError as exc:
        return Failed(str(exc))
    except Exception as exc:  # noqa: BLE001 - recorded as this measurement's failure
        return Failed(f"{type(exc).__name__}: {exc}")
    return Instructions((big - small) / n, small, big, base, n)


def measure_sizes(workload: str, sizes: list[int], **kwargs) -> dict[int, Outcome]:
    """Outcome per ``n``; one failing does not hide the others."""
    return {n: measure(workload, n, **kwargs) for n in sizes}


def per_iteration_or_raise(outcomes: dict[int, Outcome], n: int) -> float:
    """Turn a stored outcome into asv's vocabulary: n/a (skip) or failed."""
    return _profiling.outcome_or_raise(outcomes, n, "instruction count").per_iteration

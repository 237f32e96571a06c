"""CPU instructions per loop iteration, counted by valgrind: a deterministic signal.

Runs inside the benchmark environment (stdlib + Cascade). One valgrind process
(``valgrind --tool=cachegrind --cache-sim=no``) runs this environment's own
interpreter on ``_instructions_child``, which starts up and imports once, then
forks two runs per loop, of ``base`` and ``base + n`` iterations, from the same
state; valgrind logs one total per process and each loop reports::

    (instructions(base + n) - instructions(base)) / n

Interpreter start-up, imports, warm-up and set-up are the same in both runs and
cancel out; so does whatever a loop does only in its first ``base`` iterations.
Every loop of a commit shares that one start-up (the old design paid it twice per
workload: 14 valgrind start-ups of ~2.5 s per commit), and up to ``PARALLEL`` loops
are counted at once.

The runs differ in nothing but the loop size, and repeat run to run: a fixed
environment (``PYTHONHASHSEED=0``, no bytecode written), the benchmark package's
directory as working directory, stdin from /dev/null, seeded ``os.urandom`` (see
the child). Where an object lands in memory moves a count (CPython caches type
lookups by address), so start-up must allocate the same things in every run.
Single-threaded commits then repeat exactly; Cascade's thread pool (from 03ca59f)
leaves a noise that shrinks with ``n``.

The child is started as ``python -m <package>._instructions_child`` with the
benchmark package asv imported first on ``PYTHONPATH``, and checks that it runs in
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
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import _instructions_child as _child
from . import _profiling
from ._profiling import Failed, Skipped

FLOOR = _child.FLOOR
BASE = 10  # iterations of the shorter run: a loop's own first iterations cancel out
CHILD_TIMEOUT = 540  # seconds for all loops of one commit (asv's setup_cache allows 600)
NO_VALGRIND = "valgrind not installed"
VALGRIND = (
    "valgrind",
    "--tool=cachegrind",
    "--cache-sim=no",  # count instructions only
    "--cachegrind-out-file=/dev/null",
)
_TOTAL = re.compile(r"^==\d+== I\s+refs:\s+([\d,]+)\s*$", re.MULTILINE)


def parallel() -> int:
    """Loops counted at once: the cores this process may use, at most two (the
    machines this suite runs on; a third would only queue)."""
    return max(1, min(2, len(os.sched_getaffinity(0))))


@dataclass(frozen=True)
class Instructions:
    per_iteration: float
    small: int  # instructions of the whole process running ``base`` iterations
    big: int  # ... running ``base + n``
    base: int
    n: int


Outcome = Instructions | Skipped | Failed
Loop = tuple[str, int]  # (workload, n)


class ChildError(RuntimeError):
    """The child did not measure; the message is one line."""


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


def _exists(workload: str) -> Outcome | None:
    """Skipped where ``workload`` does not exist at this commit (None: it does)."""
    if workload == FLOOR or ":" in workload:
        return None
    from . import _eras  # imports Cascade: only for Cascade's workloads

    try:
        _eras.require(_eras.WORKLOAD_FAMILY[workload])
    except NotImplementedError as exc:
        return Skipped(str(exc))
    return None


def measure_all(
    loops: list[Loop],
    *,
    base: int = BASE,
    python: str | None = None,
    extra_path: tuple[str, ...] = (),
) -> dict[Loop, Outcome]:
    """Instructions per iteration of every ``(workload, n)`` in ``loops``, counted
    by one valgrind process; one loop failing does not hide the others.

    ``workload``: a name in ``_eras.WORKLOAD_FAMILY``, ``FLOOR``, or
    ``"module:function"`` (run as ``function(iterations)``, importable from
    ``extra_path``: tests and ad-hoc floors). ``python`` defaults to this process's
    interpreter, which is the one to count.
    """
    if shutil.which("valgrind") is None:
        return {loop: Skipped(NO_VALGRIND) for loop in loops}
    out: dict[Loop, Outcome] = {}
    for loop in loops:
        try:
            absent = _exists(loop[0])
        except Exception as exc:  # noqa: BLE001 - recorded as this loop's failure
            absent = Failed(f"{type(exc).__name__}: {exc}")
        if absent is not None:
            out[loop] = absent
    todo = [loop for loop in loops if loop not in out]
    problem = interpreter_problem(python or sys.executable)
    if problem:
        return {**out, **{loop: Failed(problem) for loop in todo}}
    for start in range(0, len(todo), _child.SLOTS):
        chunk = todo[start : start + _child.SLOTS]
        try:
            out.update(_count(chunk, base, python, extra_path))
        except ChildError as exc:
            out.update({loop: Failed(str(exc)) for loop in chunk})
    return {loop: out[loop] for loop in loops}


def _count(
    loops: list[Loop], base: int, python: str | None, extra_path: tuple[str, ...]
) -> dict[Loop, Outcome]:
    with tempfile.TemporaryDirectory(prefix="instructions-") as logdir:
        proc = _run_child(logdir, loops, base, python, extra_path)
        totals = {}
        for log in Path(logdir).glob("vg.*"):
            found = _TOTAL.search(log.read_text(errors="replace"))
            if found:
                totals[int(log.name.split(".")[1])] = int(found.group(1).replace(",", ""))
        why_parent = _parent_log_line(logdir)
    reports = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith('{"')]
    for report in reports:
        if "loop" not in report and "failed" in report:
            raise ChildError(report["failed"])
    out: dict[Loop, Outcome] = {}
    runs: dict[int, dict[int, int]] = {}
    for report in reports:
        i = report.get("loop")
        if i is None:
            continue
        if "skipped" in report:
            out[loops[i]] = Skipped(report["skipped"])
        elif "failed" in report:
            out[loops[i]] = Failed(report["failed"])
        elif report["pid"] in totals:
            runs.setdefault(i, {})[report["iterations"]] = totals[report["pid"]]
    for i, (workload, n) in enumerate(loops):
        if loops[i] in out:
            continue
        counted = runs.get(i, {})
        if base in counted and base + n in counted:
            small, big = counted[base], counted[base + n]
            out[loops[i]] = Instructions((big - small) / n, small, big, base, n)
            continue
        why = _last_line(proc.stderr) if proc.stderr.strip() else why_parent
        out[loops[i]] = Failed(f"child exited {proc.returncode}: {workload} not counted: {why}")
    return out


def _parent_log_line(logdir: str) -> str:
    """The last line valgrind logged for the process this one started."""
    mine = f"== Parent PID: {os.getpid()}"
    for log in Path(logdir).glob("vg.*"):
        text = log.read_text(errors="replace")
        if mine in text:
            return _last_line(text)
    return "(no output)"


def _run_child(
    logdir: str,
    loops: list[Loop],
    base: int,
    python: str | None,
    extra_path: tuple[str, ...],
) -> subprocess.CompletedProcess:
    valgrind = shutil.which("valgrind") or "valgrind"
    plan = Path(logdir, "plan")  # loop i's file is read by the i-th forked child only
    plan.mkdir()
    for i, (workload, n) in enumerate(loops):
        (plan / f"loop{i}.json").write_text(json.dumps([workload, n, base]))
    cmd = [
        valgrind,
        *VALGRIND[1:],
        f"--log-file={logdir}/vg.%p",  # one log per process: valgrind follows forks
        python or sys.executable,
        "-m",
        _child.__name__,
        str(plan),
        str(parallel()),
        json.dumps(_child.expectation(), sort_keys=True),
    ]
    proc = subprocess.Popen(
        cmd,
        # sys.path[0] of ``-m``: the package's own directory, the same every run
        cwd=_package_parent(),
        env=_child_env(extra_path),
        stdin=subprocess.DEVNULL,  # start-up allocates by stdin's kind: fix it too
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # one group: a timeout stops the forked runs too
    )
    try:
        out, err = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        names = ", ".join(sorted({w for w, _ in loops}))
        raise ChildError(f"timeout: counting {names} ran over {CHILD_TIMEOUT} s") from None
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def measure(workload: str, n: int, **kwargs) -> Outcome:
    """Instructions per iteration of ``workload`` over ``n`` steady-state iterations
    (``measure_all`` of one loop)."""
    return measure_all([(workload, n)], **kwargs)[(workload, n)]


def per_iteration_or_raise(outcomes: dict, key: object) -> float:
    """Turn a stored outcome into asv's vocabulary: n/a (skip) or failed."""
    return _profiling.outcome_or_raise(outcomes, key, "instruction count").per_iteration

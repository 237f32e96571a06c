"""Instruction counts under valgrind (``benchmarks/_instructions.py``), without asv.

The measurement runs in the test's own interpreter environment against small fake
workloads (``module:function`` targets) and the Cascade-free floor; valgrind is
installed by ``.ci/run`` and must be there for the tests that take the ``valgrind``
fixture (marked ``valgrind`` by conftest.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from asvtools import PROJECT
from cascade_bench import suite

instr = suite._benchmark_module("_instructions")
N = 200

FAKE = """
def _work():
    total = 0
    for i in range(300):
        total += i * i
    return total


def once(n):
    for _ in range(n):
        _work()


def twice(n):
    for _ in range(n):
        _work()
        _work()


def broken(n):
    if n > 10:
        raise ValueError("the loop broke\\nat iteration 11")


def hang(n):
    import os
    import pathlib
    import time

    pathlib.Path(__file__).with_name(f"hang.{os.getpid()}").touch()
    time.sleep(600)
"""


@pytest.fixture(scope="module")
def fake(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    where = tmp_path_factory.mktemp("fake")
    (where / "fakework.py").write_text(textwrap.dedent(FAKE))
    return (str(where),)


def _per_iteration(outcome) -> float:
    assert isinstance(outcome, instr.Instructions), outcome
    return outcome.per_iteration


def test_counts_repeat_and_follow_the_work(fake: tuple[str, ...], valgrind: str) -> None:
    first = _per_iteration(instr.measure("fakework:once", N, extra_path=fake))
    again = _per_iteration(instr.measure("fakework:once", N, extra_path=fake))
    double = _per_iteration(instr.measure("fakework:twice", N, extra_path=fake))
    assert first > 1000, first  # 300 multiply-adds cost thousands of instructions
    assert abs(again - first) <= 0.001 * first, (first, again)
    assert 1.9 <= double / first <= 2.1, (first, double)


def test_one_process_counts_every_loop_whatever_the_order(
    fake: tuple[str, ...], valgrind: str
) -> None:
    # One valgrind process forks a run per loop size from one start-up; each count
    # is the same alone, among others and in any order, and one breaking loop
    # fails alone.
    loops = [("fakework:once", N), (instr.FLOOR, N), ("fakework:broken", N), ("fakework:twice", N)]
    forward = instr.measure_all(loops, extra_path=fake)
    backward = instr.measure_all(loops[::-1], extra_path=fake)
    alone = instr.measure("fakework:twice", N, extra_path=fake)
    assert list(forward) == loops
    assert isinstance(forward[("fakework:broken", N)], instr.Failed)
    for loop in (loops[0], loops[1], loops[3]):
        a, b = _per_iteration(forward[loop]), _per_iteration(backward[loop])
        assert abs(a - b) <= 0.001 * a, (loop, a, b)
    twice = _per_iteration(forward[("fakework:twice", N)])
    assert abs(_per_iteration(alone) - twice) <= 0.001 * twice, (alone, twice)
    assert 1.9 <= twice / _per_iteration(forward[("fakework:once", N)]) <= 2.1


def test_more_loops_than_one_process_forks(fake: tuple[str, ...], valgrind: str) -> None:
    child = suite._benchmark_module("_instructions_child")
    loops = [("fakework:once", 20 + k) for k in range(child.SLOTS + 1)]
    counted = instr.measure_all(loops, extra_path=fake)
    values = [_per_iteration(counted[loop]) for loop in loops]
    assert max(values) <= 1.01 * min(values), values


def test_a_hanging_loop_times_out_and_leaves_no_process(
    fake: tuple[str, ...], valgrind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(instr, "CHILD_TIMEOUT", 5)
    outcome = instr.measure("fakework:hang", N, extra_path=fake)
    assert isinstance(outcome, instr.Failed), outcome
    assert outcome.reason == "timeout: counting fakework:hang ran over 5 s"
    (marker,) = Path(fake[0]).glob("hang.*")  # the forked child that hung
    pid = int(marker.suffix[1:])
    for _ in range(50):  # stopped with the rest of the process group, not orphaned
        stat = Path(f"/proc/{pid}/stat")
        if not stat.exists() or stat.read_text().split(") ")[-1].startswith("Z"):
            break  # gone, or a zombie nobody has reaped yet
        time.sleep(0.1)
    else:
        pytest.fail(f"the hanging child {pid} outlived the timeout")


def test_the_floor_is_counted(valgrind: str) -> None:
    outcome = instr.measure(instr.FLOOR, N)
    # one asyncio loop turn per iteration: thousands of instructions, far from millions
    assert 1000 < _per_iteration(outcome) < 1_000_000, outcome
    assert outcome.big > outcome.small > 0


def test_a_breaking_workload_fails_in_one_line(fake: tuple[str, ...], valgrind: str) -> None:
    outcome = instr.measure("fakework:broken", N, extra_path=fake)
    assert isinstance(outcome, instr.Failed), outcome
    assert outcome.reason == "ValueError: the loop broke at iteration 11"
    with pytest.raises(RuntimeError, match="instruction count failed: ValueError"):
        instr.per_iteration_or_raise({N: outcome}, N)


def test_without_valgrind_every_count_is_skipped(
    fake: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # holds no valgrind
    for workload in ("fakework:once", instr.FLOOR, "heavy_jump_loop"):
        outcome = instr.measure(workload, N, extra_path=fake)
        assert outcome == instr.Skipped("valgrind not installed"), outcome
    with pytest.raises(NotImplementedError, match=r"^valgrind not installed$"):
        instr.per_iteration_or_raise({N: outcome}, N)


def test_a_shim_interpreter_is_refused(
    fake: tuple[str, ...], tmp_path: Path, valgrind: str
) -> None:
    # valgrind must be there: without it every count is skipped before the check.
    shim = tmp_path / "python"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)
    outcome = instr.measure("fakework:once", N, python=str(shim), extra_path=fake)
    assert isinstance(outcome, instr.Failed), outcome
    assert "not an ELF binary" in outcome.reason and "\n" not in outcome.reason
    assert instr.interpreter_problem(sys.executable) is None


def test_the_child_refuses_another_environment(fake: tuple[str, ...], tmp_path: Path) -> None:
    # The parent passes what the child must find; a child in another environment
    # (here: told to expect another prefix) reports a failure, never a count.
    child = suite._benchmark_module("_instructions_child")
    expect = {**child.expectation(), "prefix": "/elsewhere"}
    plan = tmp_path / "plan"
    plan.mkdir()
    (plan / "loop0.json").write_text(json.dumps(["fakework:once", 1, 1]))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks._instructions_child",
            str(plan),
            "1",
            json.dumps(expect),
        ],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT), *fake])},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"failed": f"the child runs in {sys.prefix}, not /elsewhere"}


def test_benchmark_classes_without_cascade() -> None:
    # asv discovers the module in any commit: importing it must not need Cascade.
    code = textwrap.dedent(
        """
        import sys; sys.modules['cascade'] = None
        import benchmarks.instructions as m
        for name in ("SimpleCountdown", "HeavyComplexCountdown", "StableComplexLoop",
                     "VMCountdown", "ExplicitJumpLoop", "HeavyJumpLoop",
                     "ImperativeCountdown"):
            cls = getattr(m, name)
            # asv keys the cache by source line: one inherited cache, one valgrind run
            assert "setup_cache" not in vars(cls), name
            assert cls.setup_cache is m._CountedLoop.setup_cache
            assert cls.track_instructions_per_iteration.unit == "instructions/iteration"
            assert cls.param_names == ["n"] and cls.params, name
            assert cls.rounds == 1
        assert not m.ImperativeCountdown.workload  # the floor is never blamed
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_bench_pattern_selects_the_loops_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    # blame's probes name their --bench pattern: the shared cache counts only those loops
    module = suite._benchmark_module("instructions")
    everything = module._counted_classes()
    assert len(everything) == 7
    monkeypatch.setenv(module.SELECTED_ENV, r"instructions\.HeavyJumpLoop\b|ImperativeCountdown")
    assert [(c.__name__, n) for c, n in module._selected(everything)] == [
        ("HeavyJumpLoop", 200),
        ("ImperativeCountdown", 1000),
    ]
    monkeypatch.setenv(module.SELECTED_ENV, r"loops\.")
    assert module._selected(everything) == []
    monkeypatch.setenv(module.SELECTED_ENV, r"^instructions\.VMCountdown\.track_\w+\(1000\)$")
    assert [c.__name__ for c, _ in module._selected(everything)] == ["VMCountdown"]
    monkeypatch.delenv(module.SELECTED_ENV)
    assert [c for c, _ in module._selected(everything)] == everything

"""Opt-in: the suite on real Cascade history, from a local clone.

    CASCADE_BENCH_REAL_REPO=/path/to/Cascade .venv/bin/python -m pytest tests/test_real_cascade.py

Runs real asv over four commits (the API eras, and a commit where the VM path
breaks) and checks each benchmark's outcome (number / n/a / failed) against what
Cascade's history says. About three minutes on a 2-core machine.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project
from cascade_bench import results

REPO = os.environ.get("CASCADE_BENCH_REAL_REPO")
pytestmark = pytest.mark.skipif(not REPO, reason="set CASCADE_BENCH_REAL_REPO to a Cascade clone")

IMPLICIT = {"SimpleCountdown", "HeavyComplexCountdown", "StableComplexLoop"}
VM = {"VMCountdown"}
JUMP = {"ExplicitJumpLoop", "HeavyJumpLoop"}
# commit -> (classes that must have numbers, classes that must fail)
ERAS = {
    "004f950": (IMPLICIT, set()),  # implicit TCO only, before the VM path
    "b651dfb": (IMPLICIT | VM, set()),  # last commit with implicit TCO
    "eb011fb": (IMPLICIT, VM),  # the VM path breaks: TypeError from Node(id=...)
    "03ca59f": (VM | JUMP, set()),  # explicit Jump loops, no implicit TCO
}
ALL = IMPLICIT | VM | JUMP


@pytest.fixture(scope="module")
def real_run(tmp_path_factory) -> tuple[AsvProject, dict[str, str]]:
    project = make_asv_project(tmp_path_factory.mktemp("real"), Path(REPO))
    full = {
        c: subprocess.run(
            ["git", "-C", REPO, "rev-parse", c], capture_output=True, text=True, check=True
        ).stdout.strip()
        for c in ERAS
    }
    hashfile = project.conf_dir / "commits.txt"
    hashfile.write_text("\n".join(full.values()) + "\n")
    proc = project.asv("run", "--quick", "--machine", project.machine, f"HASHFILE:{hashfile}")
    assert proc.returncode in (0, 2), proc.stdout[-3000:] + proc.stderr[-3000:]
    return project, full


@pytest.mark.parametrize("commit", list(ERAS))
def test_each_era_benchmarks_what_exists(real_run, commit: str) -> None:
    project, full = real_run
    table = {
        (p.benchmark, p.params): p.value
        for p in results.load_machine(project.results_dir, project.machine)
        if p.commit == full[commit]
    }
    numbers, failing = ERAS[commit]
    for cls in ALL:
        for bench in (f"loops.{cls}.time_loop", f"calls.{cls}.track_calls_per_iteration"):
            for n in ("200", "1000"):
                value = table[(bench, (n,))]
                if cls in numbers:
                    assert isinstance(value, float) and value > 0, (commit, bench, n, value)
                elif cls in failing:
                    assert value == results.FAILED, (commit, bench, n, value)
                else:
                    assert value == results.SKIPPED, (commit, bench, n, value)

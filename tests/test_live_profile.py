"""``cascade-bench profile WORKLOAD`` (live) measures under the conditions of the
profiles ``asv run`` stores: hash seed fixed, GC paused in the window, steady state;
so its call counts are the stored ones. Real asv, real virtualenv, stand-in engine."""

from __future__ import annotations

import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project
from standin.repo import StandinRepo

WORKLOAD, BENCH, N = "simple_countdown", "calls.SimpleCountdown", 200
CALLS = re.compile(r"^(\d+) function calls", re.MULTILINE)


# Real Cascade's call counts move with set iteration order (about one call per
# iteration with random seeds); the stand-in's do not. This hook, installed into the
# commit's environment, makes them: each loop makes as many extra calls as the position
# of one string in a set of 64 (fixed by PYTHONHASHSEED, else 1 in 64 to repeat).
HOOK = """
import asyncio

_run = asyncio.run


def _hash_order_call():
    pass


def run(main, **kwargs):
    for _ in range(list({f"k{i}" for i in range(64)}).index("k0")):
        _hash_order_call()
    return _run(main, **kwargs)


asyncio.run = run
"""


@pytest.fixture(scope="module")
def live_run(standin: StandinRepo, tmp_path_factory: pytest.TempPathFactory):
    """One commit run by ``asv run`` (profiles stored) in an environment whose call
    counts depend on the hash seed; the project and the commit."""
    project = make_asv_project(tmp_path_factory.mktemp("live-profile"), standin.path)
    # The environment, created as `profile --commit` creates it (asv 0.6.6's `asv setup`
    # exits 1), before anything runs in it.
    create = (
        "from cascade_bench import asvconf, envs; envs.python_of_first_env(asvconf.load_suite())"
    )
    proc = project.run(sys.executable, "-c", create)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (site,) = project.conf_dir.glob(".asv/env/*/lib/python3*/site-packages")
    (site / "hash_order_hook.py").write_text(HOOK)
    (site / "hash_order_hook.pth").write_text("import hash_order_hook\n")
    commit = standin.commits["single"]
    proc = project.asv(
        "run", "--quick", "--machine", project.machine, "--bench", rf"^{BENCH}\.", f"{commit}^!"
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return project, commit


def _unseeded(project: AsvProject, *args: str) -> subprocess.CompletedProcess:
    """The CLI as a person runs it: no PYTHONHASHSEED in the environment."""
    env = project.env()
    env.pop("PYTHONHASHSEED", None)
    return subprocess.run(
        [sys.executable, "-m", "cascade_bench.cli", *args],
        cwd=project.conf_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _total_calls(proc: subprocess.CompletedProcess) -> int:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = CALLS.search(proc.stdout)
    assert found, proc.stdout
    return int(found.group(1))


def test_live_profile_at_a_commit_counts_the_stored_calls(live_run, tmp_path: Path) -> None:
    project, commit = live_run
    stored = _total_calls(
        project.cli("profile", "--stored", WORKLOAD, "--commit", commit, "-n", str(N))
    )
    live = _unseeded(
        project, "profile", WORKLOAD, "--commit", commit, "-n", str(N), "-o", str(tmp_path / "p")
    )
    assert _total_calls(live) == stored


def test_live_profile_runs_with_the_benchmarks_hash_seed(live_run, tmp_path: Path) -> None:
    """The interpreter that profiles sees the seed benchmark processes get (with random
    seeds, set iteration order moves Cascade's call counts)."""
    project, _commit = live_run
    (env_python,) = project.conf_dir.glob(".asv/env/*/bin/python")
    seen = tmp_path / "seed"
    wrapper = tmp_path / "python"
    wrapper.write_text(
        f'#!/bin/sh\necho "seed=${{PYTHONHASHSEED-unset}}" > {seen}\nexec {env_python} "$@"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    proc = _unseeded(
        project,
        "profile",
        WORKLOAD,
        "--python",
        str(wrapper),
        "-n",
        "20",
        "-o",
        str(tmp_path / "p"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert seen.read_text().strip() == "seed=0"  # as asv's benchmark processes (asv_plugin)

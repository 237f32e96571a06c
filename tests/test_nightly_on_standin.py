"""Issue 6 end to end: three nights and an interrupted one, on a copy of the stand-in.

Night 1 stores a baseline; two commits arrive (one slows ``build_graph``);
night 2 benchmarks only those, names the culprit commit and function in the
summary and exits 1; night 3 has nothing new, exits 0 and runs nothing; an
interrupted night followed by a re-run loses nothing and repeats nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project
from cascade_bench import fmt
from standin.repo import StandinRepo, append_neutral, append_slowdown


@pytest.fixture(scope="module")
def night_project(standin: StandinRepo, tmp_path_factory) -> tuple[AsvProject, Path]:
    repo = tmp_path_factory.mktemp("nightly-repo") / "cascade"
    subprocess.run(["git", "clone", "-q", str(standin.path), str(repo)], check=True)
    project = make_asv_project(tmp_path_factory.mktemp("nightly"), repo)
    return project, repo


def _night(project: AsvProject, summary: Path) -> subprocess.CompletedProcess:
    return project.cli("nightly", "--machine", project.machine, "--summary", str(summary))


def _result_files(project: AsvProject) -> dict[str, float]:
    files = project.results_dir.glob(f"{project.machine}/*-*.json")
    return {p.name[:8]: p.stat().st_mtime for p in files}


def _started(project: AsvProject, commit: str) -> dict[str, object]:
    """When each benchmark of ``commit`` last ran. Timing benchmarks are left out:
    blame's side-by-side confirmation re-measures a parent on purpose."""
    (path,) = project.results_dir.glob(f"{project.machine}/{commit[:8]}-*.json")
    doc = json.loads(path.read_text())
    col = doc["result_columns"].index("started_at")
    return {k: v[col] for k, v in doc["results"].items() if ".time_" not in k}


def test_three_nights(night_project, tmp_path: Path) -> None:
    project, repo = night_project
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip

    night1 = _night(project, tmp_path / "n1.md")
    assert night1.returncode == 0, night1.stdout + night1.stderr
    assert set(_result_files(project)) == {head[:8]}

    neutral = append_neutral(repo, "night2_docs")
    slow = append_slowdown(repo, "night2_slow", "build_graph")
    before = _started(project, head)
    night2 = _night(project, tmp_path / "n2.md")
    assert night2.returncode == 1, night2.stdout + night2.stderr
    assert set(_result_files(project)) == {head[:8], neutral[:8], slow[:8]}
    assert _started(project, head) == before  # the baseline was not benchmarked again
    summary = (tmp_path / "n2.md").read_text()
    first_line = summary.splitlines()[0]
    assert "regression" in first_line
    assert slow[:8] in summary and fmt.markdown_text("_busy_night2_slow") in summary, summary
    assert f"culprit <code>{neutral[:8]}</code>" not in summary  # never blamed
    assert (project.conf_dir / "html" / "cascade-bench" / "index.html").is_file()

    files = _result_files(project)
    night3 = _night(project, tmp_path / "n3.md")
    assert night3.returncode == 0, night3.stdout + night3.stderr
    assert _result_files(project) == files
    assert "nothing new" in (tmp_path / "n3.md").read_text().splitlines()[0]


def test_interrupted_night_loses_and_repeats_nothing(night_project, tmp_path: Path) -> None:
    project, repo = night_project
    first = append_neutral(repo, "late_a")
    second = append_neutral(repo, "late_b")
    cmd = [sys.executable, "-m", "cascade_bench.cli", "nightly", "--machine", project.machine]
    proc = subprocess.Popen(cmd, cwd=project.conf_dir, env=project.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and not (
        set(_result_files(project)) & {first[:8], second[:8]}
    ):
        time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches asv and its benchmarks too
    proc.wait(timeout=120)
    done = set(_result_files(project)) & {first[:8], second[:8]}
    assert done, "the first new commit's results were written before the interrupt"
    kept = {c: _started(project, c) for c in (first, second) if c[:8] in done}

    rerun = _night(project, tmp_path / "rerun.md")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert {first[:8], second[:8]} <= set(_result_files(project))
    for commit, started in kept.items():
        again = _started(project, commit)
        assert {k: again[k] for k in started} == started  # nothing benchmarked twice


def test_a_second_night_cannot_start_while_one_runs(night_project) -> None:
    project, _ = night_project
    import fcntl

    with (project.conf_dir / ".cascade-bench-nightly.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        proc = project.cli("nightly", "--machine", project.machine)
    assert proc.returncode == 2 and "another nightly run" in proc.stderr

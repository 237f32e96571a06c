"""Nights end to end, on a copy of the stand-in.

Night 1 stores a baseline; two commits arrive (one slows ``build_graph``);
night 2 benchmarks only those, names the culprit commit and function in the
summary and exits 1; night 3 brings a harmless commit: it exits 0 and the
regression stays in the store and the report; night 4 has nothing new, runs
nothing and still publishes. An interrupted night (a ``compare`` refused while it
holds the lock) followed by a re-run loses nothing and repeats nothing, and a
results file truncated meanwhile is set aside and measured again. Ctrl-C during a
side-by-side run leaves the history's results untouched.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project
from cascade_bench import findings, fmt
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


def _store(project: AsvProject) -> Path:
    return findings.blame_path(project.conf_dir / "blame", project.machine)


def _lock(project: AsvProject) -> Path:
    return project.conf_dir / ".asv" / "env.lock"


def _digest(project: AsvProject) -> dict[str, str]:
    return {
        str(p.relative_to(project.results_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.results_dir.rglob("*"))
        if p.is_file()
    }


def test_four_nights(night_project, tmp_path: Path) -> None:
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
    report = project.conf_dir / "html" / "cascade-bench" / "index.html"
    assert slow[:8] in report.read_text()
    counted = {f.key for f in findings.load_blame(_store(project)).counted}
    assert counted and {k[0] for k in counted} == {slow}

    # A harmless night after the regression night: exit 0, nothing found is lost.
    harmless = append_neutral(repo, "night3_docs")
    night3 = _night(project, tmp_path / "n3.md")
    assert night3.returncode == 0, night3.stdout + night3.stderr
    assert "no regression in new commits" in (tmp_path / "n3.md").read_text().splitlines()[0]
    assert harmless[:8] in _result_files(project)
    store = findings.load_blame(_store(project))
    assert {f.key for f in store.counted} == counted
    assert not store.retracted
    assert slow[:8] in report.read_text()

    # A quiet night: nothing benchmarked, and still published (Pages deploys html/).
    files = _result_files(project)
    report.unlink()
    night4 = _night(project, tmp_path / "n4.md")
    assert night4.returncode == 0, night4.stdout + night4.stderr
    assert _result_files(project) == files
    assert "nothing new" in (tmp_path / "n4.md").read_text().splitlines()[0]
    assert slow[:8] in report.read_text()
    assert {f.key for f in findings.load_blame(_store(project)).counted} == counted


def test_interrupted_night_loses_and_repeats_nothing(night_project, tmp_path: Path) -> None:
    project, repo = night_project
    first = append_neutral(repo, "late_a")
    second = append_neutral(repo, "late_b")
    cmd = [sys.executable, "-m", "cascade_bench.cli", "nightly", "--machine", project.machine]
    proc = subprocess.Popen(cmd, cwd=project.conf_dir, env=project.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 600
    lock = _lock(project)
    while time.monotonic() < deadline and not (lock.exists() and "nightly" in lock.read_text()):
        time.sleep(0.2)
    # A compare while the night benchmarks: refused, naming the night; the lock file
    # keeps the night's PID.
    refused = project.cli("compare", "HEAD~1", "HEAD", "--bench", r"^calls\.SimpleCountdown\.")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    err = refused.stderr.strip().splitlines()
    assert len(err) == 1 and f"cascade-bench nightly (PID {proc.pid}) holds" in err[0], err
    assert f"PID {proc.pid}" in _lock(project).read_text()

    while time.monotonic() < deadline and not (
        set(_result_files(project)) & {first[:8], second[:8]}
    ):
        time.sleep(1)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches asv and its benchmarks too
    proc.wait(timeout=120)
    done = set(_result_files(project)) & {first[:8], second[:8]}
    assert done, "the first new commit's results were written before the interrupt"
    kept = {c: _started(project, c) for c in (first, second) if c[:8] in done}

    # A results file truncated (asv writes without temp + rename).
    (truncated,) = project.results_dir.glob(f"{project.machine}/{first[:8]}-*.json")
    text = truncated.read_text()
    truncated.write_text(text[: len(text) // 2])
    kept.pop(first)

    rerun = _night(project, tmp_path / "rerun.md")
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert {first[:8], second[:8]} <= set(_result_files(project))
    for commit, started in kept.items():
        again = _started(project, commit)
        assert {k: again[k] for k in started} == started  # nothing benchmarked twice
    assert truncated.with_name(truncated.name + ".corrupt").read_text() == text[: len(text) // 2]
    assert "Set aside a corrupt file" in (tmp_path / "rerun.md").read_text()
    assert fmt.markdown_text(truncated.name) in (tmp_path / "rerun.md").read_text()
    assert _started(project, first)  # measured again, readable
    again = _night(project, tmp_path / "again.md")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Set aside" not in (tmp_path / "again.md").read_text()


def test_ctrl_c_during_a_side_by_side_run_leaves_the_history_untouched(night_project) -> None:
    project, _ = night_project
    store = _store(project)
    saved = store.read_bytes()
    store.unlink()  # no stored verdicts: blame must time the slow commit side by side
    try:
        before = _digest(project)
        cmd = [sys.executable, "-m", "cascade_bench.cli", "blame", "--machine", project.machine,
               "--range", "HEAD~8..HEAD"]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=project.conf_dir, env=project.env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)  # fmt: skip
        assert proc.stderr is not None
        for line in proc.stderr:
            if "side by side" in line:
                break
        time.sleep(3)  # asv is installing or timing now
        os.killpg(proc.pid, signal.SIGINT)
        rest = proc.stderr.read()
        assert proc.wait(timeout=120) == 130, rest
        assert rest.strip().splitlines()[-1] == "cascade-bench blame: interrupted"
        assert _digest(project) == before
        assert not store.exists()  # nothing half-merged
        with _lock(project).open("r+") as fh:  # released
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fh, fcntl.LOCK_UN)
    finally:
        store.write_bytes(saved)

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
from dataclasses import dataclass
from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project
from cascade_bench import blame_store, fmt
from cascade_bench.model import Blame
from standin.repo import HANG_ENV, StandinRepo, append_hang, append_neutral, append_slowdown


@pytest.fixture(scope="module")
def night_project(standin: StandinRepo, tmp_path_factory, shared_envs) -> tuple[AsvProject, Path]:
    repo = tmp_path_factory.mktemp("nightly-repo") / "cascade"
    subprocess.run(["git", "clone", "-q", str(standin.path), str(repo)], check=True)
    project = make_asv_project(tmp_path_factory.mktemp("nightly"), repo, envs=shared_envs)
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
    return blame_store.blame_path(project.conf_dir / "blame", project.machine)


def _lock(project: AsvProject) -> Path:
    return project.conf_dir / ".asv" / "env.lock"


def _digest(project: AsvProject) -> dict[str, str]:
    return {
        str(p.relative_to(project.results_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.results_dir.rglob("*"))
        if p.is_file()
    }


@dataclass
class Night:
    """What one night left: its exit, its summary, the results files, the published
    report and the blame store, as they were right after it."""

    proc: subprocess.CompletedProcess
    summary: str
    files: dict[str, float]
    report: str
    store: Blame | None

    @property
    def output(self) -> str:
        return self.proc.stdout + self.proc.stderr


@dataclass
class Nights:
    head: str  # the baseline
    neutral: str  # night 2's docs commit
    slow: str  # night 2's slowdown
    harmless: str  # night 3's commit
    baseline_started: tuple[dict, dict]  # the baseline's benchmarks, before and after night 2
    runs: list[Night]


def _night_seen(project: AsvProject, summary: Path) -> Night:
    proc = _night(project, summary)
    report, store = _report(project), _store(project)
    return Night(
        proc,
        summary.read_text() if summary.is_file() else "",
        _result_files(project),
        report.read_text() if report.is_file() else "",
        blame_store.load_blame(store) if store.is_file() else None,
    )


def _interruptible() -> None:
    """Run in the child before exec: Ctrl-C as in a terminal. A shell that starts a
    job in the background without job control ignores SIGINT for it, and an ignored
    SIGINT is inherited: the child's Python would never see the interrupt."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _report(project: AsvProject) -> Path:
    return project.conf_dir / "html" / "cascade-bench" / "index.html"


@pytest.fixture(scope="module")
def nights(night_project, tmp_path_factory) -> Nights:
    """Four nights on the module's project; the tests below read what each left."""
    project, repo = night_project
    out = tmp_path_factory.mktemp("nights")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    runs = [_night_seen(project, out / "n1.md")]
    neutral = append_neutral(repo, "night2_docs")
    slow = append_slowdown(repo, "night2_slow", "build_graph")
    before = _started(project, head) if runs[0].proc.returncode == 0 else {}
    runs.append(_night_seen(project, out / "n2.md"))
    after = _started(project, head) if runs[0].proc.returncode == 0 else {}
    harmless = append_neutral(repo, "night3_docs")
    runs.append(_night_seen(project, out / "n3.md"))
    _report(project).unlink(missing_ok=True)  # night 4 must publish it again
    runs.append(_night_seen(project, out / "n4.md"))
    return Nights(head, neutral, slow, harmless, (before, after), runs)


def _counted(night: Night) -> set:
    assert night.store is not None, night.output
    return {f.key for f in night.store.counted}


def test_night_1_stores_a_baseline(nights: Nights) -> None:
    night = nights.runs[0]
    assert night.proc.returncode == 0, night.output
    assert set(night.files) == {nights.head[:8]}
    # Nothing was compared: the night says so, not "no regression".
    assert "nothing to compare yet: one commit measured" in night.summary.splitlines()[0]
    assert "no regression" not in night.summary


def test_night_2_benchmarks_only_the_new_commits_and_names_the_culprit(nights: Nights) -> None:
    night, slow, neutral = nights.runs[1], nights.slow, nights.neutral
    assert night.proc.returncode == 1, night.output
    assert set(night.files) == {nights.head[:8], neutral[:8], slow[:8]}
    before, after = nights.baseline_started
    assert before and after == before  # the baseline was not benchmarked again
    first_line = night.summary.splitlines()[0]
    assert "regression" in first_line
    assert slow[:8] in night.summary, night.summary
    assert fmt.markdown_text("_busy_night2_slow") in night.summary, night.summary
    assert f"culprit <code>{neutral[:8]}</code>" not in night.summary  # never blamed
    assert slow[:8] in night.report
    counted = _counted(night)
    assert counted and {k[0] for k in counted} == {slow}


def test_night_3_is_harmless_and_loses_nothing_found(nights: Nights) -> None:
    night = nights.runs[2]
    assert night.proc.returncode == 0, night.output
    assert "no regression in new commits" in night.summary.splitlines()[0]
    assert nights.harmless[:8] in night.files
    assert _counted(night) == _counted(nights.runs[1])
    assert night.store is not None and not night.store.retracted
    assert nights.slow[:8] in night.report


def test_night_4_has_nothing_new_and_still_publishes(nights: Nights) -> None:
    """A quiet night: nothing benchmarked, and still published (Pages deploys html/)."""
    night = nights.runs[3]
    assert night.proc.returncode == 0, night.output
    assert night.files == nights.runs[2].files
    assert "nothing new" in night.summary.splitlines()[0]
    assert nights.slow[:8] in night.report  # written again: the fixture deleted it
    assert _counted(night) == _counted(nights.runs[1])


def test_interrupted_night_loses_and_repeats_nothing(
    night_project, nights: Nights, tmp_path: Path
) -> None:
    project, repo = night_project
    first = append_neutral(repo, "late_a")
    second = append_neutral(repo, "late_b")
    cmd = [sys.executable, "-m", "cascade_bench.cli", "nightly", "--machine", project.machine]
    # Output to a file: a pipe nobody reads fills up and blocks the night.
    log = tmp_path / "interrupted.log"
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=project.conf_dir, env=project.env(), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=_interruptible)  # fmt: skip
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
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the night ignored Ctrl-C: " + log.read_text()[-3000:]) from None
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


def test_ctrl_c_during_a_side_by_side_run_leaves_the_history_untouched(
    night_project, nights: Nights
) -> None:
    """After the nights (a regression stored): without the store, blame must time it
    side by side again; interrupted there, it changes nothing."""
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
                                start_new_session=True, preexec_fn=_interruptible)  # fmt: skip
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


def test_an_empty_machine_file_is_set_aside_and_the_night_goes_on(
    nights: Nights, night_project, tmp_path: Path
) -> None:
    """After the nights: an empty machine.json (asv publish failed on it, and the old
    site was gone) is set aside, written again from asv's machine file, and the
    night publishes; the site is complete."""
    project, _ = night_project
    machine = project.results_dir / project.machine / "machine.json"
    pages = len(list((project.conf_dir / "html").rglob("*")))
    machine.write_text("")
    summary = tmp_path / "n5.md"
    proc = _night(project, summary)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert machine.with_name("machine.json.corrupt").read_text() == ""
    assert json.loads(machine.read_text())["machine"] == project.machine
    assert "Set aside a corrupt file" in summary.read_text()
    assert nights.slow[:8] in _report(project).read_text()
    assert len(list((project.conf_dir / "html").rglob("*"))) >= pages


def test_a_hanging_workload_is_named_and_its_timeout_paid_once(
    nights: Nights, night_project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Last (it adds a commit): a commit whose VM path never returns. Each of its
    wall-time benchmarks is stopped by asv's timeout in its first round and not run
    in the second, and the night's summary names every timed-out series with why."""
    project, repo = night_project
    conf_path = project.conf_dir / "asv.conf.json"
    saved = conf_path.read_text()
    conf = json.loads(saved)
    conf["default_benchmark_timeout"] = TIMEOUT = 6
    conf_path.write_text(json.dumps(conf, indent=2))
    monkeypatch.setenv(HANG_ENV, "1")
    try:
        hang = append_hang(repo, "night6_hang", "Engine._run_vm", ("vm",))
        summary = tmp_path / "n6.md"
        proc = _night(project, summary)
    finally:
        conf_path.write_text(saved)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    text = summary.read_text()
    why = fmt.markdown_text(f"timed out (asv stopped it after {TIMEOUT} s)")
    for n in (200, 1000):
        assert f"`loops.VMCountdown.time_loop({n})` at `{hang[:8]}`: {why}" in text, text
    assert f"`calls.VMCountdown.track_calls_per_iteration(200)` at `{hang[:8]}`" in text
    # The other workloads ran as usual at the hanging commit.
    assert f"`loops.SimpleCountdown.time_loop(200)` at `{hang[:8]}`" not in text
    (path,) = project.results_dir.glob(f"{project.machine}/{hang[:8]}-*.json")
    doc = json.loads(path.read_text())
    col = doc["result_columns"].index("duration")
    # Two sizes, each stopped once (2 rounds without the suite's plugin: 4 x 6 s).
    seconds = doc["results"]["loops.VMCountdown.time_loop"][col]
    assert 2 * TIMEOUT <= seconds < 3 * TIMEOUT, seconds


@pytest.fixture
def first_night_project(standin: StandinRepo, tmp_path_factory, shared_envs) -> AsvProject:
    """A project with no results yet over a clone of the stand-in."""
    repo = tmp_path_factory.mktemp("first-night-repo") / "cascade"
    subprocess.run(["git", "clone", "-q", str(standin.path), str(repo)], check=True)
    return make_asv_project(tmp_path_factory.mktemp("first-night"), repo, envs=shared_envs)


def test_a_first_night_with_a_backfill_attributes_what_it_measured(
    first_night_project: AsvProject,
) -> None:
    """From empty results: the night benchmarks the head, back-fills older commits
    in half of its budget, blames across all of them with the rest, and its summary
    says what it established (never "no regression"). It shows progress as it goes."""
    project = first_night_project
    summary = project.conf_dir / "first.md"
    proc = project.cli("nightly", "--machine", project.machine, "--backfill-budget", "150",
                       "--no-publish", "--summary", str(summary))  # fmt: skip
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    text = summary.read_text()
    first = text.splitlines()[0]
    measured = len(_result_files(project))
    assert measured >= 3, proc.stderr[-3000:]
    assert first.startswith(f"## Nightly: baseline: {measured} commits measured; "), first
    assert "no regression" not in text
    assert "Back-filled" in text and "before any workload (n/a)" in text
    store = blame_store.load_blame(_store(project))
    assert store.findings  # the stand-in's injected changes, found among what it measured
    assert "culprit commit(s) among them" in first
    # Progress, one line per step (stderr is no terminal here).
    assert "nightly: benchmarking new commits, commit 1/1: " in proc.stderr
    assert "nightly: back-filling, commit 1: " in proc.stderr and " elapsed" in proc.stderr

"""Issue 2 and 3 end to end: real asv, real virtualenvs, a generated Cascade history.

Per commit and benchmark, asv must have recorded a number where the workload
exists, n/a (skipped) where it does not exist yet, and a failure where it breaks;
the injected slowdown must show as a slower number and as more calls; every
benchmarked commit leaves loadable profiles, and a failing one leaves none.
"""

from __future__ import annotations

import json
import pstats
import subprocess
from pathlib import Path

import pytest
from conftest import UNMEASURED
from standin_map import CLASS_OF, HEAVY, WORKLOAD_OF, expected_state

from asvtools import AsvProject
from cascade_bench import profiles, results, suite
from standin.repo import StandinRepo

SIZES = ("200", "1000")


def _table(project: AsvProject) -> dict[tuple[str, str, tuple[str, ...]], float | str]:
    points = results.load_machine(project.results_dir, project.machine)
    return {(p.commit, p.benchmark, p.params): p.value for p in points}


def _state(value: float | str) -> str:
    if value == results.SKIPPED:
        return "skipped"
    if value == results.FAILED:
        return "failed"
    assert isinstance(value, float) and value > 0
    return "ok"


def _benchmarks(workload: str) -> list[str]:
    cls = CLASS_OF[workload]
    names = [f"loops.{cls}.time_loop", f"calls.{cls}.track_calls_per_iteration",
             f"calls.{cls}.track_primitive_calls_per_iteration"]  # fmt: skip
    if workload in HEAVY:
        names.append(f"loops.{cls}.peakmem_loop")
    return names


def test_every_commit_benchmark_and_size_has_the_right_outcome(
    standin: StandinRepo, stepped_run: AsvProject
) -> None:
    table = _table(stepped_run)
    checked = 0
    for label, sha in standin.commits.items():
        if label in UNMEASURED:
            continue
        exp = standin.expected[label]
        for workload in CLASS_OF:
            want = expected_state(exp, workload)
            for bench in _benchmarks(workload):
                for n in SIZES:
                    got = _state(table[(sha, bench, (n,))])
                    assert got == want, (label, bench, n)
                    checked += 1
        floor = table[(sha, "loops.ImperativeCountdown.time_loop", ("1000",))]
        assert _state(floor) == ("ok" if exp.install_ok else "failed"), label
    assert checked > 500


def test_the_run_went_on_past_a_broken_install(standin: StandinRepo, stepped_run) -> None:
    table = _table(stepped_run)
    after = standin.commits["fixed_install"]
    assert isinstance(table[(after, "loops.ExplicitJumpLoop.time_loop", ("1000",))], float)
    assert (
        "broken_install" in standin.expected and not standin.expected["broken_install"].install_ok
    )


def test_every_installed_commit_is_kept_in_asvs_build_cache(
    standin: StandinRepo, stepped_run: AsvProject
) -> None:
    """Each commit that installed left its files in asv's build cache of that commit;
    the broken install left nothing. A later install of the commit is a copy: it
    needs no checkout at all."""
    conf = json.loads((stepped_run.conf_dir / "asv.conf.json").read_text())
    (env,) = [p.parent for p in Path(stepped_run.conf_dir, conf["env_dir"]).glob("*/pyvenv.cfg")]
    cache = env / "asv-build-cache"
    measured = {label: sha for label, sha in standin.commits.items() if label not in UNMEASURED}
    for label, sha in measured.items():
        manifest = cache / sha / "installed.json"
        assert manifest.is_file() == standin.expected[label].install_ok, label
    label, sha = next((k, v) for k, v in measured.items() if standin.expected[k].install_ok)
    files = json.loads((cache / sha / "installed.json").read_text())["files"]
    assert any(f.endswith("cascade/__init__.py") for f in files)
    python = env / "bin" / "python"
    installer = Path(__file__).parents[1] / "envtools" / "install_cascade.py"
    try:
        proc = subprocess.run(
            [str(python), str(installer), "install", "/nonexistent-checkout", str(cache / sha)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        for name in files:
            assert (env / name).read_bytes() == (cache / sha / "installed" / name).read_bytes()
    finally:
        (env / "asv-install-status.json").unlink(missing_ok=True)  # asv reinstalls next time


def test_injected_slowdown_is_slower_and_costs_more_calls(
    standin: StandinRepo, stepped_run: AsvProject
) -> None:
    # One --quick sample per commit: the long loop, where a 3-5x slowdown dwarfs noise.
    n = "1000"
    table = _table(stepped_run)
    fast, slow = standin.commits["single"], standin.commits["slow_resolver"]
    t_fast = table[(fast, "loops.SimpleCountdown.time_loop", (n,))]
    t_slow = table[(slow, "loops.SimpleCountdown.time_loop", (n,))]
    assert t_slow > 1.5 * t_fast, (t_fast, t_slow)
    calls = "calls.SimpleCountdown.track_calls_per_iteration"
    assert table[(slow, calls, (n,))] > table[(fast, calls, (n,))]


def _changes_calls(exp, workload: str) -> bool:
    # The stable loop runs the simple countdown's code per iteration.
    workload = "simple" if workload == "stable" else workload
    return any(workload in c.workloads for c in exp.changes if c.kind != "cost")


def test_call_counts_change_exactly_where_the_work_changed(
    standin: StandinRepo, stepped_run: AsvProject
) -> None:
    # Between two measured commits, the changes of every commit in between count,
    # unmeasured gaps included.
    table = _table(stepped_run)
    every = list(standin.commits)
    labels = [lb for lb in every if lb not in UNMEASURED]
    for workload in ("simple", "heavy", "stable", "vm", "jump", "heavy_jump"):
        bench = f"calls.{CLASS_OF[workload]}.track_calls_per_iteration"
        prev = None  # (label, value) of the previous commit with a number
        for label in labels:
            value = table[(standin.commits[label], bench, ("1000",))]
            if not isinstance(value, float):
                continue
            if prev is not None:
                changed_work = any(
                    _changes_calls(standin.expected[lb], workload)
                    for lb in every[every.index(prev[0]) + 1 : every.index(label) + 1]
                )
                assert (value != prev[1]) == changed_work, (workload, prev[0], label)
            prev = (label, value)


def test_profiles_exist_load_and_name_the_slowed_function(
    standin: StandinRepo, stepped_run: AsvProject
) -> None:
    root = stepped_run.profiles_dir
    machine = stepped_run.machine
    for label, sha in standin.commits.items():
        if label in UNMEASURED:
            continue
        exp = standin.expected[label]
        for workload, name in WORKLOAD_OF.items():
            for n in SIZES:
                state = expected_state(exp, workload)
                if state != "ok":
                    with pytest.raises(suite.SuiteError):
                        profiles.stored_path(root, machine, sha, name, int(n))
                    continue
                stats = profiles.load(profiles.stored_path(root, machine, sha, name, int(n)))
                assert isinstance(stats, pstats.Stats) and stats.total_calls > int(n)
    slow = profiles.load(
        profiles.stored_path(
            root, machine, standin.commits["slow_resolver"], "simple_countdown", 1000
        )
    )
    fast = profiles.load(
        profiles.stored_path(root, machine, standin.commits["single"], "simple_countdown", 1000)
    )
    slowed = ("cascade/runtime/resolvers.py", "_normalize_args")
    assert slowed in profiles.per_iteration(slow, 1000)
    assert slowed not in profiles.per_iteration(fast, 1000)


def test_profiles_are_filed_under_the_machine_given_to_asv(stepped_run: AsvProject) -> None:
    # asv never tells benchmarks the --machine; the suite's plugin must.
    assert [p.name for p in stepped_run.profiles_dir.iterdir()] == [stepped_run.machine]


def test_asv_check_publish_and_show(stepped_run: AsvProject) -> None:
    check = stepped_run.asv("check")
    assert check.returncode == 0, check.stdout + check.stderr
    publish = stepped_run.asv("publish")
    assert publish.returncode == 0, publish.stdout + publish.stderr
    html = stepped_run.conf_dir / "html"
    assert (html / "index.html").is_file()
    assert (html / "graphs").is_dir() and (html / "regressions.json").is_file()


def test_profile_command_prints_a_stored_profile(
    standin: StandinRepo, stepped_run: AsvProject, tmp_path
) -> None:
    out = tmp_path / "slow.prof"
    proc = stepped_run.cli(
        "profile", "--stored", "loops.SimpleCountdown.time_loop", "-n", "1000",
        "--commit", standin.commits["slow_resolver"], "--machine", stepped_run.machine,
        "-o", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "by cumulative time" in proc.stdout and "_normalize_args" in proc.stdout
    assert pstats.Stats(str(out)).total_calls > 1000


def test_profile_command_profiles_a_commit_in_the_suite_env(
    standin: StandinRepo, stepped_run: AsvProject, tmp_path
) -> None:
    out = tmp_path / "vm.prof"
    sha = standin.commits["gap_slow"]  # never benchmarked by the stepped run
    proc = stepped_run.cli("profile", "graph", "-n", "300", "--commit", sha, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "explicit_jump_loop n=300" in proc.stdout and "_rank_nodes" in proc.stdout
    assert out.is_file()
    # asv must not trust its record of the installed commit any more.
    (env,) = (stepped_run.conf_dir / ".asv" / "env").iterdir()
    assert not (env / "asv-install-status.json").exists()

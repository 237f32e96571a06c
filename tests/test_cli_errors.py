"""Bad input gets one clear line on stderr and exit status 2, never a traceback.

Every error path of every command runs here in-process (``cli.main``), against the
stand-in repository and results and profiles written with asv's own API: no asv run,
no virtualenv. The last tests start the real entry points in a subprocess.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import shard_faults
from asvtools import write_asv_conf
from cascade_bench import cli, lock, shards, suite
from standin.repo import StandinRepo

MACHINE = "box"
ENV_NAME = "virtualenv-py3.11-hatchling"
TIME, CALLS = "loops.SimpleCountdown.time_loop", "calls.SimpleCountdown.track_calls_per_iteration"
# Commits with stored results (oldest first): the first, whose profile is stored too,
# and the last two (HEAD is ``mixed``).
STORED = ("single", "subtle_slow", "mixed")
UNWRITABLE = "/proc/no/such/dir"  # named as "/proc/no": not even its parent can be made


@pytest.fixture
def conf_dir(tmp_path: Path, standin: StandinRepo, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A suite over the stand-in, run from its directory, results for machine ``box``
    (no results files), an empty HOME (asv knows no machine)."""
    conf = tmp_path / "suite"
    write_asv_conf(conf, standin.path)
    (conf / "results" / MACHINE).mkdir(parents=True)
    (conf / "results" / MACHINE / "machine.json").write_text(
        json.dumps({"machine": MACHINE, "version": 1})
    )
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(suite.profile_store().ROOT_ENV, raising=False)
    monkeypatch.chdir(conf)
    return conf


def _write_results(conf: Path, standin: StandinRepo, labels: tuple[str, ...]) -> None:
    """Results for ``labels`` as ``asv run`` stores them (asv's own API): the simple
    countdown's time and calls, the same at every commit."""
    from asv import util
    from asv.benchmarks import Benchmarks
    from asv.config import Config
    from asv.results import Results
    from asv.runner import BenchmarkResult

    config = Config.load(str(conf / "asv.conf.json"))
    config.results_dir = str(conf / "results")
    common = {"param_names": ["n"], "params": [["200", "1000"]], "version": "1", "code": ""}
    benches = [
        {**common, "name": TIME, "type": "time", "unit": "seconds", "timeout": 60},
        {**common, "name": CALLS, "type": "track", "unit": "calls/iteration", "timeout": 60},
    ]
    Benchmarks(config, benches).save()
    util.write_json(
        str(conf / "results" / MACHINE / "machine.json"), {"machine": MACHINE}, api_version=1
    )
    for label in labels:
        sha = standin.commits[label]
        date = subprocess.run(
            ["git", "-C", str(standin.path), "log", "-1", "--format=%ct", sha],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        res = Results(
            {"machine": MACHINE, "python": "3.11", "hatchling": ""},
            {"hatchling": ""},
            sha,
            int(date) * 1000,
            "3.11",
            ENV_NAME,
            {},
        )
        for bench, values in ((benches[0], [0.01, 0.05]), (benches[1], [40.0, 40.0])):
            res.add_result(
                bench,
                BenchmarkResult(
                    result=values,
                    samples=[[v, v, v] for v in values],
                    number=[1, 1],
                    errcode=0,
                    stderr="",
                    profile=None,
                ),
            )
        res.save(str(conf / "results"))


def _write_profile(conf: Path, commit: str, workload: str, n: int) -> Path:
    prof = cProfile.Profile()
    prof.enable()
    sum(i * i for i in range(1000))
    prof.disable()
    store = suite.profile_store()
    path = store.profile_path(conf / "profiles", MACHINE, commit, ENV_NAME, workload, n)
    store.write_stats(pstats.Stats(prof), path)
    return path


@pytest.fixture
def stored(conf_dir: Path, standin: StandinRepo) -> Path:
    """``conf_dir`` with results of ``STORED`` and a profile of ``single``."""
    _write_results(conf_dir, standin, STORED)
    _write_profile(conf_dir, standin.commits["single"], "simple_countdown", 200)
    return conf_dir


def _error(capsys: pytest.CaptureFixture, *args: str) -> str:
    """Run the CLI in-process: exit status 2 and one line on stderr; that line."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert code == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"cascade-bench {args[0]}: error: "), lines[0]
    return lines[0]


def _one_line_error(capsys: pytest.CaptureFixture, args: list[str], needle: str) -> None:
    line = _error(capsys, *args)
    assert needle in line, line


# -- options, before any work ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["blame", "--no-build", "--bench", "(("], "not a regular expression"),
        (["blame", "--no-build", "--top", "-1"], "--top -1"),
        (["blame", "--budget", "inf"], "--budget inf"),
        (["blame", "--budget", "-1"], "--budget -1"),
        (["blame", "--rounds", "5"], "--rounds 5"),
        (["blame", "--rounds", "2"], "--rounds"),
        (["blame", "--threshold", "-1"], "--threshold"),
        (["nightly", "--backfill-budget", "nan"], "--backfill-budget nan"),
        (["profile", "vm_countdown", "-n", "0"], "-n 0"),  # once silently became 1000
        (["profile", "vm_countdown", "-n", "-1"], "-n -1"),
        (["profile", "vm_countdown", "--top", "0"], "--top 0"),
        (["profile", "--stored", "vm_countdown", "--commit", "HEAD", "-n", "0"], "-n 0"),
        (["profile", "no_such_loop"], "unknown workload"),
        (["profile"], "unknown workload None"),
        (["profile", "--stored", "vm_countdown"], "--stored needs --commit"),
        (["compare", "HEAD~1", "HEAD", "--bench", "[x"], "not a regular expression"),
        (["compare", "HEAD~1", "HEAD", "--rounds", "1"], "--rounds"),
        (["plan", "--shards", "0"], "--shards 0: must be positive"),
        (["plan", "--shards", "2", "--max-commits", "0"], "--max-commits 0: must be positive"),
        (["shard", "--commits", " ", "--out", "s"], "no commits given"),
        # Output files: checked before any work, no directory made for them.
        (["nightly", "--summary", "/nonexistent/dir/s.md"],
         "--summary /nonexistent/dir/s.md: directory /nonexistent/dir does not exist"),
        (["blame", "--json", "/nonexistent/dir/b.json"], "--json /nonexistent/dir/b.json"),
        (["blame", "--markdown", "."], "--markdown .: is a directory"),
        (["compare", "HEAD~1", "HEAD", "--markdown", "/proc/x/c.md"], "--markdown /proc/x/c.md"),
        (["profile", "vm_countdown", "-o", "/nonexistent/p.prof"], "-o /nonexistent/p.prof"),
    ],
)
def test_bad_options_are_one_line_errors(
    conf_dir: Path, capsys: pytest.CaptureFixture, args: list[str], needle: str
) -> None:
    _one_line_error(capsys, args, needle)
    assert not Path("/nonexistent").exists()


def test_unknown_machine_is_refused_before_the_lock(
    stored: Path, capsys: pytest.CaptureFixture
) -> None:
    for args in (["nightly", "--no-pull", "--machine", "nosuch"],
                 ["compare", "HEAD~1", "HEAD", "--machine", "nosuch"]):  # fmt: skip
        _one_line_error(capsys, args, "machine 'nosuch' unknown to asv")
    assert not list(stored.glob(".cascade-bench-nightly-*.todo"))
    assert not (stored / ".asv" / "env.lock").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["shard", "--commits", "HEAD", "--out", "results"], "inside the history's results"),
        (["shard", "--commits", "HEAD", "--out", "html/x"], "inside the history's html"),
        (["shard", "--commits", "HEAD", "--out", "blame"], "inside the history's blame"),
        (["shard", "--commits", "HEAD", "--out", "."], "holds the history's results"),
        (["compare", "HEAD~1", "HEAD", "--results", "."], "holds the history's results"),
        (["compare", "HEAD~1", "HEAD", "--results", "results/x"], "inside the history's results"),
    ],
)
def test_scratch_directories_inside_the_history_are_refused(
    stored: Path, capsys: pytest.CaptureFixture, args: list[str], needle: str
) -> None:
    from asv.machine import MachineCollection

    MachineCollection.save(MACHINE, {"machine": MACHINE, "arch": "x86_64"})
    before = sorted(p.relative_to(stored) for p in stored.rglob("*"))
    _one_line_error(capsys, args, needle)
    assert sorted(p.relative_to(stored) for p in stored.rglob("*")) == before


@pytest.mark.parametrize(
    "args",
    [
        ["blame", "--rounds", "six"],
        ["blame", "--threshold", "5%"],
        ["profile", "vm_countdown", "-n", "1e3"],
        ["plan"],  # --shards is required
        ["shard", "--out", "s"],  # --commits or --commits-file is required
        ["merge"],  # at least one shard directory
        ["frobnicate"],
    ],
)
def test_unparsable_arguments_exit_2_with_argparse_usage(
    conf_dir: Path, capsys: pytest.CaptureFixture, args: list[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("usage: cascade-bench") and ": error: " in err[-1], err


# -- the suite's files: config, results, profiles ---------------------------------


def test_missing_and_bad_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in (["blame"], ["nightly"], ["compare", "a", "b"], ["plan", "--shards", "1"],
                    ["merge", "x"], ["profile", "--stored", "vm_countdown", "--commit", "a"],
                    ["shard", "--commits", "a", "--out", "s"]):  # fmt: skip
        _one_line_error(capsys, command, "asv config asv.conf.json not found")
    (tmp_path / "asv.conf.json").write_text('{"version": 1, "repo": ')
    _one_line_error(capsys, ["blame"], "bad asv config asv.conf.json")
    _one_line_error(capsys, ["blame", "--config", "elsewhere.json"], "asv config elsewhere.json")
    # A field of the wrong type: the file and the field, not an AttributeError later.
    for field, value in (("branches", "main"), ("regressions_thresholds", 5),
                         ("results_dir", 7), ("default_benchmark_timeout", "60")):  # fmt: skip
        (tmp_path / "asv.conf.json").write_text(json.dumps(
            {"version": 1, "repo": ".", "project": "cascade", field: value}))
        _one_line_error(capsys, ["blame"], f"bad asv config asv.conf.json: {field!r} is")


@pytest.mark.parametrize(
    "content", ['{"commit_hash": "ab', "[1, 2]", '{"version": 2, "results": 5}']
)
def test_corrupt_or_partial_results_file_is_set_aside(
    conf_dir: Path, capsys: pytest.CaptureFixture, content: str
) -> None:
    """Moved aside (kept for a look, never read again) and named; here nothing else is
    left, so the run ends with one line naming it."""
    path = conf_dir / "results" / MACHINE / "0123abcd-virtualenv-py3.11.json"
    path.write_text(content)
    _one_line_error(capsys, ["blame", "--no-build", "--machine", MACHINE], "set aside corrupt")
    assert not path.exists()
    assert path.with_name(path.name + ".corrupt").read_text() == content


def test_no_results_at_all(conf_dir: Path, capsys: pytest.CaptureFixture) -> None:
    shutil.rmtree(conf_dir / "results")
    _one_line_error(capsys, ["blame", "--no-build", "--machine", MACHINE], "no asv results")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["blame", "--no-build", "--json", f"{UNWRITABLE}/blame.json"], "/proc/no"),
        (["blame", "--no-build", "--markdown", f"{UNWRITABLE}/blame.md"], "/proc/no"),
        (["blame", "--no-build", "--range", "HEAD..HEAD~2"], "is empty"),
        (["blame", "--no-build", "--range", "deadbeef..HEAD"], "deadbeef"),
        (["blame", "--no-build", "--machine", "nosuchbox"], "no asv results for machine"),
        (["blame", "--no-build", "--bench", "^nothing$"], "'^nothing$'"),
        (["profile", "--stored", TIME, "--commit", "cafebabe"], "unknown commit 'cafebabe'"),
        (["profile", "--stored", TIME, "--commit", "HEAD", "-n", "200"], "no stored profile"),
        (["compare", "cafebabe", "HEAD"], "unknown commit 'cafebabe'"),
        (["compare", "HEAD", "nosuchrev"], "unknown commit 'nosuchrev'"),
        # refused before building anything, from the benchmark list asv wrote last
        (["compare", "HEAD~1", "HEAD", "--bench", r"^loops\.NoSuchLoop\."], "matches no bench"),
    ],
)
def test_bad_input_against_stored_results(
    stored: Path, capsys: pytest.CaptureFixture, args: list[str], needle: str
) -> None:
    _one_line_error(capsys, args, needle)
    assert not (stored / ".asv" / "env").exists()  # nothing was built


def test_stored_profile_errors(
    stored: Path, standin: StandinRepo, capsys: pytest.CaptureFixture
) -> None:
    single = standin.commits["single"]
    args = ["profile", "--stored", TIME, "--commit", single, "-n", "200"]
    assert cli.main(args) == 0  # the profile is there
    assert "by cumulative time" in capsys.readouterr().out
    _one_line_error(capsys, [*args, "-o", f"{UNWRITABLE}/x.prof"], "/proc/no")
    (path,) = (stored / "profiles").rglob("n=200.prof.gz")
    path.write_bytes(b"\x1f\x8b not a profile")
    _one_line_error(capsys, args, "corrupt profile")


def test_a_live_profile_that_fails_is_one_line(
    conf_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\necho 'first line' >&2\necho 'ImportError: no cascade' >&2\n"
                      "exit 1\n")  # fmt: skip
    python.chmod(0o755)
    args = ["profile", "vm_countdown", "--python", str(python), "-o", str(tmp_path / "p")]
    _one_line_error(capsys, args, "ImportError: no cascade")


def test_a_profile_without_a_cascade_says_how_to_choose_one(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # asv's mirror of the repository sits in the project as ./cascade: it must not pass
    # for an installed Cascade (it once failed with "No module named 'cascade.adapters'").
    (tmp_path / "cascade" / "packages").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    args = ["profile", "heavy_jump_loop", "-n", "5", "-o", str(tmp_path / "p.prof")]
    _one_line_error(capsys, args, "give --commit SHA (installed into the suite's asv "
                    "environment) or --python PATH")  # fmt: skip


def test_commands_refuse_while_the_lock_is_held(
    stored: Path, standin: StandinRepo, capsys: pytest.CaptureFixture
) -> None:
    """The environments' lock held (here by this process, as a night would): every
    command that installs or writes results is refused at once, naming the holder."""
    from asv.machine import MachineCollection

    MachineCollection.save(MACHINE, {"machine": MACHINE, "arch": "x86_64"})  # asv knows it
    commit = standin.commits["single"]
    with lock.hold(stored / ".asv" / "env.lock", "nightly"):
        for args in (
            ["blame", "--no-build"],
            ["nightly", "--no-pull", "--no-publish"],
            ["compare", "HEAD~1", "HEAD", "--bench", r"^calls\.SimpleCountdown\."],
            ["profile", "vm_countdown", "--commit", commit],
            ["merge", str(stored / "no-shard")],
        ):
            line = _error(capsys, *args)
            assert "cascade-bench nightly (PID " in line and "env.lock" in line, line
    assert "PID" not in (stored / ".asv" / "env.lock").read_text()  # released


# -- plan, shard, merge --------------------------------------------------------


@pytest.mark.parametrize(
    ("range_spec", "needle"),
    [
        ("{subtle_slow}..{single}", "is reversed"),
        ("nosuch..HEAD", "unknown commit 'nosuch'"),
        ("HEAD", "expected A..B"),
        ("..HEAD", "expected A..B"),
    ],
)
def test_plan_bad_ranges(
    stored: Path, standin: StandinRepo, capsys: pytest.CaptureFixture, range_spec, needle
) -> None:
    spec = range_spec.format(**standin.commits)
    _one_line_error(capsys, ["plan", "--shards", "2", "--range", spec], needle)


def test_shard_bad_input(
    conf_dir: Path, standin: StandinRepo, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    commit, out = standin.commits["single"], str(tmp_path / "s")
    _one_line_error(capsys, ["shard", "--commits", "nosuchrev", "--out", out], "nosuchrev")
    missing = str(tmp_path / "no-such-file")
    _one_line_error(capsys, ["shard", "--commits-file", missing, "--out", out], missing)
    _one_line_error(
        capsys,
        ["shard", "--machine", "nosuchbox", "--commits", commit, "--out", out],
        "machine 'nosuchbox' unknown to asv",
    )
    assert not Path(out).exists()


def _digest(conf: Path) -> dict[Path, bytes]:
    """The store's results and profiles."""
    return {p: p.read_bytes() for sub in ("results", "profiles")
            for p in (conf / sub).rglob("*") if p.is_file()}  # fmt: skip


def _shard(stored: Path, dest: Path, standin: StandinRepo) -> Path:
    """A shard directory as ``cascade-bench shard`` leaves it, from the stored results."""
    shutil.copytree(stored / "results", dest / "results")
    shutil.copytree(stored / "profiles", dest / "profiles")
    shards.write_manifest(dest, MACHINE, [standin.commits[label] for label in STORED])
    return dest


def _conflicting_profile(shard: Path, machine: str) -> None:
    (path,) = (shard / "profiles").rglob("n=200.prof.gz")
    path.write_bytes(path.read_bytes() + b"\0")


def _no_manifest(shard: Path, machine: str) -> None:
    (shard / shards.MANIFEST).unlink()


def _corrupt_manifest(shard: Path, machine: str) -> None:
    (shard / shards.MANIFEST).write_text("[1, 2")


def _manifest_not_an_object(shard: Path, machine: str) -> None:
    (shard / shards.MANIFEST).write_text("[1, 2]")


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (shard_faults.other_machine, "has no results for machine 'box' (it holds: otherbox)"),
        (shard_faults.other_suite_version, "another suite version: benchmark calls."),
        (shard_faults.other_python, "ran another Python (virtualenv-py3.12-hatchling)"),
        (shard_faults.conflicting_value, "conflicting value for "),
        (_conflicting_profile, "conflicting profile for "),
        (shard_faults.corrupt, "corrupt results file"),
        (_no_manifest, "is not a shard directory (no shard.json)"),
        (_corrupt_manifest, "corrupt "),
        (_manifest_not_an_object, "not an object"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else "message",
)
def test_merge_refuses_what_does_not_belong(
    stored: Path,
    standin: StandinRepo,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
    spoil: Callable[[Path, str], None],
    message: str,
) -> None:
    """Into a store holding the same commits: all or nothing, never a byte copied."""
    before = _digest(stored)
    bad = _shard(stored, tmp_path / "bad", standin)
    spoil(bad, MACHINE)
    # A clean new shard listed first: all or nothing, it must not be copied either.
    fresh = _shard(stored, tmp_path / "fresh", standin)
    for path in (fresh / "results" / MACHINE).glob("*-*.json"):
        path.rename(path.with_name("0000" + path.name[4:]))
    _one_line_error(capsys, ["merge", "--machine", MACHINE, str(fresh), str(bad)], message)
    assert _digest(stored) == before


def test_merge_needs_a_machine_the_shards_agree_on(
    conf_dir: Path, stored: Path, standin: StandinRepo, tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:  # fmt: skip
    one = _shard(stored, tmp_path / "one", standin)
    two = _shard(stored, tmp_path / "two", standin)
    manifest = json.loads((two / shards.MANIFEST).read_text())
    (two / shards.MANIFEST).write_text(json.dumps({**manifest, "machine": "otherbox"}))
    shutil.rmtree(conf_dir / "results")  # a new store: the machine comes from the shards
    _one_line_error(capsys, ["merge", str(one), str(two)], "shards name different machines")
    (conf_dir / "results" / "a").mkdir(parents=True)
    (conf_dir / "results" / "b").mkdir()
    for name in ("a", "b"):
        (conf_dir / "results" / name / "machine.json").write_text(json.dumps({"machine": name}))
    _one_line_error(capsys, ["merge", str(one)], "holds machines a, b: pass --machine")


# -- the boundary ---------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [PermissionError(13, "Permission denied", "/out/blame.md"), RuntimeError("boom\nsecond line")],
)
def test_the_cli_boundary_turns_any_failure_into_one_line_and_exit_2(
    error: Exception, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def fail(_args):
        raise error

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["blame"].set_defaults(func=fail)
    assert cli.main(["blame", "--no-build"]) == 2  # never 1: that means "regressions"
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cascade-bench blame: error:"), err


def test_an_interrupt_is_one_line_and_exit_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def interrupted(_args):
        raise KeyboardInterrupt

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["nightly"].set_defaults(func=interrupted)
    assert cli.main(["nightly"]) == 130
    assert capsys.readouterr().err.strip().splitlines() == ["cascade-bench nightly: interrupted"]


# -- the real entry points, in a subprocess ----------------------------------------


def _run(cwd: Path, *cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, check=False)


def _real_one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr


def test_python_dash_m_exits_2_with_one_line(conf_dir: Path) -> None:
    proc = _run(conf_dir, sys.executable, "-m", "cascade_bench.cli", "blame", "--rounds", "2")
    _real_one_line_error(proc, "--rounds")


def test_the_installed_command_exits_2_with_one_line(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "cascade-bench"  # pip install -e '.[test]'
    assert command.is_file(), command
    _real_one_line_error(_run(tmp_path, str(command), "blame"), "asv config")


def test_every_option_and_positional_has_help_naming_its_default() -> None:
    import argparse

    from cascade_bench.cli import build_parser

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    missing = []
    for name, parser in sub.choices.items():
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            text = action.help or ""
            has_default = action.default is not None and action.default is not False
            if not text or (has_default and "default" not in text):
                missing.append(f"{name} {action.option_strings or action.dest}")
    assert not missing

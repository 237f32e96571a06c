"""Bad input gets one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from asvtools import PROJECT
from cascade_bench import cli
from standin.repo import StandinRepo


@pytest.fixture
def conf_dir(tmp_path: Path, standin: StandinRepo) -> Path:
    conf = json.loads((PROJECT / "asv.conf.json").read_text())
    conf["repo"] = str(standin.path)
    (tmp_path / "asv.conf.json").write_text(json.dumps(conf))
    shutil.copy(PROJECT / "cascade_bench_asv.py", tmp_path)
    machine = tmp_path / "results" / "box"
    machine.mkdir(parents=True)
    (machine / "machine.json").write_text(json.dumps({"machine": "box", "version": 1}))
    return tmp_path


def _cli(conf_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cascade_bench.cli", *args],
        cwd=conf_dir,
        capture_output=True,
        text=True,
        check=False,
    )


def _one_line_error(proc: subprocess.CompletedProcess, needle: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], proc.stderr


@pytest.mark.parametrize(
    "content", ['{"commit_hash": "ab', "[1, 2]", '{"version": 2, "results": 5}']
)
def test_corrupt_or_partial_results_file_is_set_aside(conf_dir: Path, content: str) -> None:
    """Moved aside (kept for a look, never read again) and named; here nothing else is
    left, so the run ends with one line naming it."""
    path = conf_dir / "results" / "box" / "0123abcd-virtualenv-py3.11.json"
    path.write_text(content)
    proc = _cli(conf_dir, "blame", "--no-build", "--machine", "box")
    _one_line_error(proc, "set aside corrupt")
    assert not path.exists()
    assert path.with_name(path.name + ".corrupt").read_text() == content


def test_no_results_at_all(conf_dir: Path) -> None:
    shutil.rmtree(conf_dir / "results")
    _one_line_error(_cli(conf_dir, "blame", "--no-build", "--machine", "box"), "no asv results")


def test_unknown_commit_and_bad_threshold(conf_dir: Path) -> None:
    _one_line_error(
        _cli(conf_dir, "profile", "--stored", "vm_countdown", "--commit", "nosuchrev"),
        "unknown commit",
    )
    _one_line_error(_cli(conf_dir, "blame", "--threshold", "-1"), "--threshold")
    _one_line_error(_cli(conf_dir, "blame", "--rounds", "2"), "--rounds")


def test_missing_config(tmp_path: Path) -> None:
    _one_line_error(_cli(tmp_path, "blame"), "asv config")


def test_unknown_workload(conf_dir: Path) -> None:
    _one_line_error(_cli(conf_dir, "profile", "no_such_loop"), "unknown workload")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["blame", "--no-build", "--bench", "(("], "not a regular expression"),
        (["blame", "--no-build", "--top", "-1"], "--top -1"),
        (["blame", "--budget", "inf"], "--budget inf"),
        (["blame", "--rounds", "5"], "--rounds 5"),
        (["nightly", "--backfill-budget", "nan"], "--backfill-budget nan"),
        (["profile", "vm_countdown", "-n", "0"], "-n 0"),  # once silently became 1000
        (["profile", "vm_countdown", "-n", "-1"], "-n -1"),
        (["profile", "vm_countdown", "--top", "0"], "--top 0"),
        (["profile", "--stored", "vm_countdown", "--commit", "HEAD", "-n", "0"], "-n 0"),
        (["compare", "HEAD~1", "HEAD", "--bench", "[x"], "not a regular expression"),
        (["blame", "--no-build", "--range", "HEAD..HEAD~2"], "is empty"),
    ],
)
def test_bad_options_are_one_line_errors(conf_dir: Path, args: list[str], needle: str) -> None:
    _one_line_error(_cli(conf_dir, *args), needle)


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

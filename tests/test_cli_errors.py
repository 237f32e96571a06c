"""Bad input gets one clear line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from asvtools import PROJECT
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
def test_corrupt_or_partial_results_file(conf_dir: Path, content: str) -> None:
    (conf_dir / "results" / "box" / "0123abcd-virtualenv-py3.11.json").write_text(content)
    _one_line_error(_cli(conf_dir, "blame", "--no-build", "--machine", "box"), "corrupt results")


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

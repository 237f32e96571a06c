"""The GitHub workflows pass actionlint (which must also catch a broken one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asvtools import PROJECT

WORKFLOWS = sorted((PROJECT / ".github" / "workflows").glob("*.yml"))
# Beside the interpreter running the tests, never only on PATH: the README's test
# command runs the virtualenv's python without activating it.
ACTIONLINT = Path(sys.executable).parent / "actionlint"


def _lint(*paths: Path) -> subprocess.CompletedProcess:
    assert ACTIONLINT.is_file(), f"{ACTIONLINT}: actionlint is installed with the test extras"
    return subprocess.run(
        [str(ACTIONLINT), "-shellcheck=", "-pyflakes=", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"nightly.yml", "compare.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_is_clean(workflow: Path) -> None:
    proc = _lint(workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "nightly.yml"
    broken.parent.mkdir(parents=True)
    text = (PROJECT / ".github" / "workflows" / "nightly.yml").read_text()
    broken.write_text(
        text.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    bogus-key: 1", 1)
    )
    assert _lint(broken).returncode != 0

"""Shared fixtures: one stand-in Cascade repository and one real asv run over it.

The run is stepped on purpose: three runs of commits are left unmeasured, so blame
has gaps to bisect: ``GAP`` (four commits near the end, holding ``gap_slow``),
``CHURN_GAP`` (seven commits after ``speedup``: a slowdown, its partial undoing,
three call-count-only steps, a docs commit and a rename) and ``BORN_GAP`` (the
Jump era's first commits, where the Jump loops are born and then slowed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project

sys.path.insert(0, str(Path(__file__).parent))

from standin.repo import StandinRepo, build_standin_repo

GAP = ("gap_a", "gap_b", "gap_slow", "gap_c")
CHURN_GAP = (
    "churn_slow",
    "churn_docs",
    "churn_partial",
    "churn_calls_a",
    "churn_rename",
    "churn_calls_b",
    "churn_calls_c",
)
BORN_GAP = ("jump_era", "born_docs", "born_slow")
UNMEASURED = GAP + CHURN_GAP + BORN_GAP


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> StandinRepo:
    return build_standin_repo(tmp_path_factory.mktemp("standin") / "cascade")


@pytest.fixture(scope="session")
def stepped_run(standin: StandinRepo, tmp_path_factory: pytest.TempPathFactory) -> AsvProject:
    """``asv run --quick`` over every commit of the stand-in except the gaps."""
    project = make_asv_project(tmp_path_factory.mktemp("suite"), standin.path)
    measured = [sha for label, sha in standin.commits.items() if label not in UNMEASURED]
    hashfile = project.conf_dir / "measured.txt"
    hashfile.write_text("\n".join(measured) + "\n")
    proc = project.asv("run", "--quick", "--machine", project.machine, f"HASHFILE:{hashfile}")
    # asv exits 2 when some benchmark failed: the stand-in breaks some on purpose.
    assert proc.returncode in (0, 2), proc.stdout[-3000:] + proc.stderr[-3000:]
    project.last_output = proc.stdout + proc.stderr
    return project

"""Shared fixtures: one stand-in Cascade repository and one real asv run over it.

The run is stepped on purpose: four commits near the end (gap_a, gap_b, gap_slow,
gap_c) are left unmeasured, so blame has a gap to bisect.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project

sys.path.insert(0, str(Path(__file__).parent))

from standin.repo import StandinRepo, build_standin_repo

GAP = ("gap_a", "gap_b", "gap_slow", "gap_c")


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> StandinRepo:
    return build_standin_repo(tmp_path_factory.mktemp("standin") / "cascade")


@pytest.fixture(scope="session")
def stepped_run(standin: StandinRepo, tmp_path_factory: pytest.TempPathFactory) -> AsvProject:
    """``asv run --quick`` over every commit of the stand-in except the gap."""
    project = make_asv_project(tmp_path_factory.mktemp("suite"), standin.path)
    measured = [sha for label, sha in standin.commits.items() if label not in GAP]
    hashfile = project.conf_dir / "measured.txt"
    hashfile.write_text("\n".join(measured) + "\n")
    proc = project.asv("run", "--quick", "--machine", project.machine, f"HASHFILE:{hashfile}")
    # asv exits 2 when some benchmark failed: the stand-in breaks some on purpose.
    assert proc.returncode in (0, 2), proc.stdout[-3000:] + proc.stderr[-3000:]
    project.last_output = proc.stdout + proc.stderr
    return project

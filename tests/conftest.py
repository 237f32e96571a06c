"""Shared fixtures: one stand-in Cascade repository and one real asv run over it.

The run is stepped on purpose: three runs of commits are left unmeasured, so blame
has gaps to bisect: ``GAP`` (four commits near the end, holding ``gap_slow``),
``CHURN_GAP`` (seven commits after ``speedup``: a slowdown, its partial undoing,
three call-count-only steps, a docs commit and a rename) and ``BORN_GAP`` (the
Jump era's first commits, where the Jump loops are born and then slowed).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

import asvtools
from asvtools import AsvProject, make_asv_project

sys.path.insert(0, str(Path(__file__).parent))

from standin.repo import StandinRepo, build_standin_repo

# The markers (registered in pyproject.toml), given here by the fixtures a test uses,
# directly or through other fixtures; the inner loop deselects all three:
#   pytest -m "not e2e and not valgrind and not browser"
MARKED_BY_FIXTURE = {
    # the real asv: `asv machine`, `asv run` (virtualenvs built, valgrind counting),
    # `asv publish`, or the CLI run in such a project
    "e2e": {
        "stepped_run",  # here
        "blamed",  # test_blame_on_standin.py
        "compare_project",  # test_compare_on_standin.py
        "live_run",  # test_live_profile.py
        "night_project",  # test_nightly_on_standin.py
        "first_night_project",  # test_nightly_on_standin.py
        "real_run",  # test_real_cascade.py
        "published",  # test_report.py
        "sharded",  # test_shards.py
    },
    "valgrind": {"valgrind"},  # here
    "browser": {"served"},  # test_report.py
}


# The suite runs on two workers (pytest-xdist, `-n 2 --dist loadscope` in pyproject.toml):
# one asv run uses one core. A module's tests run on one worker (its module fixtures are
# built once); the modules sharing a costly session fixture run on one worker together.
# The stepped run and blame on it (about 22 minutes here) keep one worker busy, the
# other takes everything else.
SHARING_MODULES = {"stepped_run": ("test_blame_on_standin.py", "test_suite_on_standin.py")}
_GROUP_OF_MODULE = {m: f"uses {f}" for f, modules in SHARING_MODULES.items() for m in modules}


def pytest_configure(config: pytest.Config) -> None:
    """A worker of the two runs on its own share of the cores, and so does everything
    it starts (asv, virtualenvs, valgrind): one worker's load never lengthens what the
    other's tests time (a --quick sample of the stepped run, side-by-side rounds)."""
    worker = getattr(config, "workerinput", None)
    if worker is None or not hasattr(os, "sched_setaffinity"):
        return
    cpus, count = sorted(os.sched_getaffinity(0)), int(worker["workercount"])
    index = int(worker["workerid"].removeprefix("gw"))
    if len(cpus) >= count:
        os.sched_setaffinity(0, set(cpus[index::count]))


def _work_unit(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0]
    return _GROUP_OF_MODULE.get(module.rsplit("/", 1)[-1], module)


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModulesAndSharedFixtures(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _work_unit(nodeid)

    return ModulesAndSharedFixtures(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in MARKED_BY_FIXTURE.items():
            if used & fixtures:
                item.add_marker(marker)
        for fixture, modules in SHARING_MODULES.items():
            if fixture in used and item.path.name not in modules:
                raise pytest.UsageError(
                    f"{item.nodeid} uses {fixture}: add its module to SHARING_MODULES in "
                    "tests/conftest.py (else a second worker builds it again)"
                )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Only e2e tests (and their fixtures) may run asv: see asvtools.E2E_ALLOWED."""
    asvtools.E2E_ALLOWED = item.get_closest_marker("e2e") is not None


@pytest.fixture(scope="session")
def valgrind() -> str:
    """The valgrind binary (installed by .ci/run); a test using it is marked valgrind."""
    path = shutil.which("valgrind")
    assert path, "valgrind is installed by .ci/run"
    return path


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
def shared_envs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """asv's environments for every project that only installs stand-in commits into
    them (``make_asv_project(envs=...)``): one virtualenv per session (per worker), not
    one per project. Projects that change an environment (test_live_profile.py) or build their
    own by design (shards) keep their own."""
    return tmp_path_factory.mktemp("envs")


@pytest.fixture(scope="session")
def standin(tmp_path_factory: pytest.TempPathFactory) -> StandinRepo:
    return build_standin_repo(tmp_path_factory.mktemp("standin") / "cascade")


@pytest.fixture(scope="session")
def stepped_run(
    standin: StandinRepo, tmp_path_factory: pytest.TempPathFactory, shared_envs: Path
) -> AsvProject:
    """``asv run --quick`` over every commit of the stand-in except the gaps. Tests
    read it; a test that changes results or profiles works on a copy (``copy_project``)."""
    project = make_asv_project(tmp_path_factory.mktemp("suite"), standin.path, envs=shared_envs)
    measured = [sha for label, sha in standin.commits.items() if label not in UNMEASURED]
    hashfile = project.conf_dir / "measured.txt"
    hashfile.write_text("\n".join(measured) + "\n")
    proc = project.asv("run", "--quick", "--machine", project.machine, f"HASHFILE:{hashfile}")
    # asv exits 2 when some benchmark failed: the stand-in breaks some on purpose.
    assert proc.returncode in (0, 2), proc.stdout[-3000:] + proc.stderr[-3000:]
    project.last_output = proc.stdout + proc.stderr
    return project

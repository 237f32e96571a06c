"""Profiles are stored compressed, read back by pstats, and filed by commit."""

from __future__ import annotations

import cProfile
import gzip
import os
import pstats
import signal
import subprocess
import sys
import types
from pathlib import Path

import pytest

from asvtools import PROJECT
from cascade_bench import profiles, suite
from cascade_bench.suite import SuiteError

store = suite.profile_store()


def _busy(k: int) -> int:
    return sum(i * i for i in range(k))


def _stats() -> pstats.Stats:
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(10):
        _busy(100)
    prof.disable()
    return pstats.Stats(prof)


def test_round_trip_and_snakeviz_export(tmp_path: Path) -> None:
    path = store.profile_path(tmp_path, "box", "abcdef0123456789", "venv-py", "simple", 200)
    assert path == tmp_path / "box" / "abcdef01-venv-py" / "simple" / "n=200.prof.gz"
    store.write_stats(_stats(), path)
    loaded = store.load_stats(path)
    table = profiles.per_iteration(loaded, 10)
    assert table[(str(Path(__file__).resolve()), "_busy")].calls == 1.0
    exported = store.export_prof(path, tmp_path / "x.prof")
    assert pstats.Stats(str(exported)).total_calls == loaded.total_calls
    assert not list(tmp_path.rglob("*.tmp"))  # written atomically


def test_pruning_one_commit_is_a_glob(tmp_path: Path) -> None:
    for commit in ("aaaaaaaa11", "bbbbbbbb22"):
        store.write_stats(
            _stats(), store.profile_path(tmp_path, "box", commit, "env", "vm_countdown", 200)
        )
    assert len(list(tmp_path.glob("*/aaaaaaaa-*"))) == 1


@pytest.mark.parametrize(
    "content",
    [b"not gzip", gzip.compress(b"\x00garbage", mtime=0), b""],
    ids=["not-gzip", "gzipped-garbage", "empty"],  # the same in every worker
)
def test_corrupt_profile_is_a_one_line_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "n=200.prof.gz"
    bad.write_bytes(content)
    with pytest.raises(SuiteError) as err:
        profiles.load(bad)
    assert "corrupt profile" in str(err.value) and "\n" not in str(err.value)


def test_missing_profile_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no stored profile of vm_countdown"):
        profiles.stored_path(tmp_path, "box", "abcdef0123", "vm_countdown", 200)


# -- re-profiling a commit that already has a profile -----------------------------

# A stand-in for benchmarks/_workloads.py (which imports Cascade): the loop does WORK
# units per iteration, or raises inside the loop (BROKEN) as a workload breaking does.
FAKE_WORKLOADS = """
import types

WORK = 1
BROKEN = False

def warm_up(name):
    pass

def prepare(name, n):
    def run():
        if BROKEN:
            raise RuntimeError("the workload broke on the re-run")
        total = 0
        for i in range(n * WORK):
            total += i * i
        return total
    return types.SimpleNamespace(run=run)
"""


@pytest.fixture
def benchmark_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The environment asv gives a benchmark process, profiles under ``tmp_path``,
    and the stand-in workloads; yields the ``_profiling`` module."""
    profiling = suite._benchmark_module("_profiling")
    fake = types.ModuleType("benchmarks._workloads")
    exec(FAKE_WORKLOADS, fake.__dict__)
    monkeypatch.setitem(sys.modules, "benchmarks._workloads", fake)
    monkeypatch.setattr(sys.modules["benchmarks"], "_workloads", fake, raising=False)
    for key, value in _ENV.items():
        monkeypatch.setenv(key, value.format(root=tmp_path / "profiles"))
    return profiling, fake


_ENV = {
    store.ROOT_ENV: "{root}",
    store.MACHINE_ENV: "box",
    "ASV_COMMIT": "c0ffee" * 6 + "0000",
    "ASV_ENV_NAME": "venv",
}


def _stored(tmp_path: Path, workload: str, n: int) -> tuple[Path, Path]:
    path = store.profile_path(tmp_path / "profiles", "box", _ENV["ASV_COMMIT"], "venv", workload, n)
    return path, store.bytecodes_path(path)


def _snapshot(*paths: Path) -> list[bytes]:
    return [p.read_bytes() for p in paths]


def test_failed_reprofile_keeps_the_good_profile(tmp_path: Path, benchmark_env) -> None:
    profiling, fake = benchmark_env
    first = profiling.profile_sizes("busy", [50])
    assert isinstance(first[50], profiling.Counts)
    files = _stored(tmp_path, "busy", 50)
    good = _snapshot(*files)

    # The workload breaks on the re-run: a failure recorded, the good files kept.
    fake.BROKEN = True
    again = profiling.profile_sizes("busy", [50])
    assert isinstance(again[50], profiling.Failed)
    assert _snapshot(*files) == good
    assert sorted(p.name for p in files[0].parent.iterdir()) == sorted(f.name for f in files)


def test_writer_failing_midway_keeps_the_good_profile(
    tmp_path: Path, benchmark_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    profiling, fake = benchmark_env
    profiling.profile_sizes("busy", [50])
    files = _stored(tmp_path, "busy", 50)
    good = _snapshot(*files)

    def half_written(obj: object, fh) -> None:
        fh.write(b"\x00" * 4096)
        raise OSError(28, "No space left on device")

    fake.WORK = 3
    monkeypatch.setattr(store.marshal, "dump", half_written)
    with pytest.raises(OSError, match="No space"):
        profiling.profile_once("busy", 50)
    monkeypatch.undo()
    assert _snapshot(*files) == good
    assert not [p for p in files[0].parent.iterdir() if p not in files]  # no temp left


def test_successful_reprofile_replaces_the_old_one(tmp_path: Path, benchmark_env) -> None:
    profiling, fake = benchmark_env
    profiling.profile_sizes("busy", [50])
    profile, bytecodes = _stored(tmp_path, "busy", 50)
    old = _snapshot(profile, bytecodes)
    fake.WORK = 5  # more bytecodes per iteration, other profile timings
    profiling.profile_sizes("busy", [50])
    new = _snapshot(profile, bytecodes)
    assert new[0] != old[0] and new[1] != old[1]
    assert {p.name for p in profile.parent.iterdir()} == {profile.name, bytecodes.name}


def test_benchmark_process_killed_while_writing_keeps_the_good_profile(
    tmp_path: Path, benchmark_env
) -> None:
    """A real process, killed (SIGKILL, as asv's timeout does) halfway through writing."""
    profiling, _fake = benchmark_env
    profiling.profile_sizes("busy", [50])
    files = _stored(tmp_path, "busy", 50)
    good = _snapshot(*files)
    child = f"""
import os, signal, sys, types
sys.path.insert(0, {str(PROJECT)!r})
fake = types.ModuleType("benchmarks._workloads")
exec({FAKE_WORKLOADS!r}, fake.__dict__)
sys.modules["benchmarks._workloads"] = fake
from benchmarks import _profile_store, _profiling

def killed(obj, fh):
    fh.write(b"\\0" * 4096)
    fh.flush()
    os.kill(os.getpid(), signal.SIGKILL)

_profile_store.marshal.dump = killed
_profiling.profile_sizes("busy", [50])
"""
    proc = subprocess.run([sys.executable, "-c", child], env=os.environ, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(*files) == good

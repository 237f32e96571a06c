"""Profiles are stored compressed, read back by pstats, and filed by commit."""

from __future__ import annotations

import cProfile
import gzip
import pstats
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("content", [b"not gzip", gzip.compress(b"\x00garbage"), b""])
def test_corrupt_profile_is_a_one_line_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "n=200.prof.gz"
    bad.write_bytes(content)
    with pytest.raises(SuiteError) as err:
        profiles.load(bad)
    assert "corrupt profile" in str(err.value) and "\n" not in str(err.value)


def test_missing_profile_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no stored profile of vm_countdown"):
        profiles.stored_path(tmp_path, "box", "abcdef0123", "vm_countdown", 200)

"""asv's stored results as flat points: (commit, benchmark, params) -> value.

A value is a number, ``FAILED`` (asv stored None: the benchmark raised or timed
out) or ``SKIPPED`` (NaN: ``setup`` raised NotImplementedError, asv's n/a).
"""

from __future__ import annotations

import itertools
import json
import math
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from asv.results import Results
from asv.util import UserError

from .suite import SuiteError

FAILED = "failed"
SKIPPED = "skipped"
SET_ASIDE = ".corrupt"  # suffix of a results file moved aside: asv reads only *.json


@dataclass(frozen=True)
class Point:
    commit: str
    env_name: str
    benchmark: str
    params: tuple[str, ...]
    value: float | str  # a number, FAILED or SKIPPED
    date: int | None = None  # commit date (ms), as asv stores it


def combos(params: list[list[str]]) -> list[tuple[str, ...]]:
    """asv's order of a parametrized benchmark's values: the product of its params."""
    return [tuple(c) for c in itertools.product(*params)] if params else [()]


def _classify(value: object) -> float | str:
    if value is None:
        return FAILED
    if isinstance(value, float) and math.isnan(value):
        return SKIPPED
    return float(value)  # type: ignore[arg-type]


def benchmarks_meta(results_dir: Path) -> dict[str, dict] | None:
    """asv's ``benchmarks.json`` of ``results_dir``, benchmark name -> its entry; None
    if it cannot be read."""
    try:
        meta = json.loads((Path(results_dir) / "benchmarks.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(meta, dict):
        return None
    return {k: v for k, v in meta.items() if isinstance(v, dict)}


def benchmark_versions(results_dir: Path) -> dict[str, str] | None:
    """Each benchmark's current version (None if ``benchmarks.json`` cannot be read:
    then every stored value is used, as asv's own tools do without it)."""
    meta = benchmarks_meta(results_dir)
    if meta is None:
        return None
    return {k: v["version"] for k, v in meta.items() if "version" in v}


def load_file(path: Path, versions: dict[str, str] | None = None) -> list[Point]:
    """Points of one results file; SuiteError (one line) if it is corrupt or partial.
    With ``versions``, values stored by another version of a benchmark are left out,
    as asv does: an edited benchmark starts a new series."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = Results.load(str(path))
    except (UserError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise SuiteError(f"corrupt results file {path}: {str(exc).splitlines()[0]}") from None
    points = []
    for key in res.get_all_result_keys():
        if versions is not None and res.benchmark_version.get(key) != versions.get(key):
            continue
        values = res.get_result_value(key, res.get_result_params(key))
        for combo, value in zip(combos(res.get_result_params(key)), values, strict=False):
            points.append(
                Point(res.commit_hash, res.env_name, key, tuple(combo), _classify(value), res.date)
            )
    return points


def load_machine(
    results_dir: Path, machine: str, *, set_aside: list[Path] | None = None
) -> list[Point]:
    """All points of one machine. A corrupt or partial results file (asv writes
    without temp and rename: an interrupt can leave half a file) is moved aside
    and appended to ``set_aside`` when that list is given (the run goes on, the
    commit counts as unmeasured and is measured again); otherwise it is an error."""
    machine_dir = results_dir / machine
    if not (machine_dir / "machine.json").is_file():
        raise SuiteError(f"no asv results for machine {machine!r} in {results_dir}")
    points: list[Point] = []
    versions = benchmark_versions(results_dir)
    for path in result_files(results_dir, machine):
        try:
            points.extend(load_file(path, versions))
        except SuiteError:
            if set_aside is None:
                raise
            set_aside.append(move_aside(path))
    return points


def move_aside(path: Path) -> Path:
    """Rename a corrupt file so that nothing reads it again, keeping it for a look."""
    target = path.with_name(path.name + SET_ASIDE)
    if target.exists():
        target = path.with_name(f"{path.name}.{int(time.time())}{SET_ASIDE}")
    path.replace(target)
    return target


def measured_commits(results_dir: Path, machine: str, set_aside: list[Path]) -> set[str]:
    """Commits with a readable results file for ``machine`` (failed ones included:
    asv wrote a file for them); corrupt files are moved aside into ``set_aside``."""
    if not (results_dir / machine / "machine.json").is_file():
        return set()
    return {p.commit for p in load_machine(results_dir, machine, set_aside=set_aside)}


def machines(results_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in results_dir.glob("*/machine.json"))


def result_files(results_dir: Path, machine: str) -> list[Path]:
    """One machine's results files (``<commit[:8]>-<env>.json``), as asv names them."""
    return sorted(p for p in (results_dir / machine).glob("*-*.json") if p.name != "machine.json")


def stored_commit_prefixes(results_dir: Path, machine: str) -> set[str]:
    """``commit[:8]`` of every results file of ``machine``: asv stores a file even when
    the commit's install or benchmarks failed, so a file means "measured"."""
    return {p.name[:8] for p in result_files(results_dir, machine)}


def stored_envs(results_dir: Path, machine: str) -> set[str]:
    """asv environment names (Python and requirements) of ``machine``'s results files."""
    return {p.name[9:-5] for p in result_files(results_dir, machine)}

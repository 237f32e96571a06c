"""asv's stored results as flat points: (commit, benchmark, params) -> value.

A value is a number, ``FAILED`` (asv stored None: the benchmark raised or timed
out) or ``SKIPPED`` (NaN: ``setup`` raised NotImplementedError, asv's n/a).

The one reader of asv's results directory for the host-side tools: its files'
names, ``machine.json`` and ``benchmarks.json``. Errors: a file whose absence is
normal reads as None (or empty); a file that is there but cannot be read is a
one-line SuiteError naming it.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from asv import util as asv_util
from asv.machine import Machine, MachineCollection
from asv.results import Results, get_filename
from asv.util import UserError

from .suite import SuiteError

FAILED = "failed"
SKIPPED = "skipped"
SET_ASIDE = ".corrupt"  # suffix of a results file moved aside: asv reads only *.json
MACHINE_FILE = "machine.json"  # asv's mark of a machine's results directory
BENCHMARKS_FILE = "benchmarks.json"  # asv's list of benchmarks and their versions


@dataclass(frozen=True)
class Point:
    commit: str
    benchmark: str
    params: tuple[str, ...]
    value: float | str  # a number, FAILED or SKIPPED
    why: str | None = None  # of a FAILED value: what asv's record shows (``failure_reason``)


def failure_reason(duration: float | None, timeout: float | None) -> str:
    """Why a value is missing, from what asv keeps (it stores no error text): a
    benchmark that ran for its whole timeout was stopped by it."""
    if duration is not None and timeout and duration >= timeout:
        return f"timed out (asv stopped it after {timeout:g} s)"
    return "failed (asv keeps no error text: run asv run --show-stderr on the commit)"


def combos(params: list[list[str]]) -> list[tuple[str, ...]]:
    """asv's order of a parametrized benchmark's values: the product of its params."""
    return [tuple(c) for c in itertools.product(*params)] if params else [()]


def _classify(value: object) -> float | str:
    if value is None:
        return FAILED
    if isinstance(value, float) and math.isnan(value):
        return SKIPPED
    return float(value)  # type: ignore[arg-type]


def benchmarks_file(results_dir: Path) -> Path:
    return Path(results_dir) / BENCHMARKS_FILE


def benchmarks_meta(results_dir: Path) -> dict[str, dict] | None:
    """asv's ``benchmarks.json`` of ``results_dir``, benchmark name -> its entry; None
    if there is none (asv never discovered the suite there), SuiteError if unreadable."""
    path = benchmarks_file(results_dir)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # UnicodeDecodeError is a ValueError
        raise SuiteError(f"cannot read {path}: {_first_line(exc)}") from None
    if not isinstance(meta, dict):
        raise SuiteError(f"cannot read {path}: not asv's list of benchmarks")
    return {k: v for k, v in meta.items() if isinstance(v, dict)}


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def benchmark_versions(results_dir: Path) -> dict[str, str] | None:
    """Each benchmark's current version (None without ``benchmarks.json``: then every
    stored value is used, as asv's own tools do without it)."""
    meta = benchmarks_meta(results_dir)
    if meta is None:
        return None
    return {k: v["version"] for k, v in meta.items() if "version" in v}


def benchmark_timeouts(results_dir: Path, default: float | None = None) -> dict[str, float]:
    """Each benchmark's asv timeout, from ``benchmarks.json`` (none without it):
    its own, else ``default`` (the config's ``default_benchmark_timeout``, as asv
    applies it)."""
    meta = benchmarks_meta(results_dir) or {}
    out = {}
    for name, info in meta.items():
        timeout = info.get("timeout") if isinstance(info, dict) else None
        timeout = timeout if isinstance(timeout, (int, float)) else default
        if timeout is not None:
            out[name] = float(timeout)
    return out


def load_file(
    path: Path, versions: dict[str, str] | None = None, timeouts: dict[str, float] | None = None
) -> list[Point]:
    """Points of one results file; SuiteError (one line) if it is corrupt or partial.
    With ``versions``, values stored by another version of a benchmark are left out,
    as asv does: an edited benchmark starts a new series. ``timeouts`` (benchmark
    -> seconds, ``benchmark_timeouts``) tells a timed-out value from a failed one."""
    timeouts = timeouts or {}
    res = _load(path)
    points = []
    for key in res.get_all_result_keys():
        if versions is not None and res.benchmark_version.get(key) != versions.get(key):
            continue
        values = res.get_result_value(key, res.get_result_params(key))
        for combo, value in zip(combos(res.get_result_params(key)), values, strict=False):
            v = _classify(value)
            why = failure_reason(res.duration.get(key), timeouts.get(key)) if v == FAILED else None
            points.append(Point(res.commit_hash, key, tuple(combo), v, why))
    return points


def _load(path: Path) -> Results:
    """One results file; SuiteError (one line) if it is corrupt or partial."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return Results.load(str(path))
    except (UserError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise SuiteError(f"corrupt results file {path}: {str(exc).splitlines()[0]}") from None


def load_machine(
    results_dir: Path,
    machine: str,
    *,
    set_aside: list[Path] | None = None,
    commits: list[str] | None = None,
    default_timeout: float | None = None,
) -> list[Point]:
    """All points of one machine. A corrupt or partial results file (asv writes
    without temp and rename: an interrupt can leave half a file) is moved aside
    and appended to ``set_aside`` when that list is given (the run goes on, the
    commit counts as unmeasured and is measured again); otherwise it is an error.
    ``commits``: read only their files. ``default_timeout``: see ``benchmark_timeouts``."""
    if not has_machine(results_dir, machine):
        raise SuiteError(f"no asv results for machine {machine!r} in {results_dir}")
    points: list[Point] = []
    versions = benchmark_versions(results_dir)
    timeouts = benchmark_timeouts(results_dir, default_timeout)
    prefixes = tuple(c[:8] for c in commits) if commits is not None else None
    for path in result_files(results_dir, machine):
        if prefixes is not None and not path.name.startswith(prefixes):
            continue  # only these commits' files are read
        try:
            points.extend(load_file(path, versions, timeouts))
        except SuiteError:
            if set_aside is None:
                raise
            set_aside.append(move_aside(path))
    return points


def move_aside(path: Path) -> Path:
    """Rename a corrupt file so that nothing reads it again, keeping it for a look:
    ``<name>.corrupt``, else the first free ``<name>.<k>.corrupt`` (an earlier copy
    may be the only one left of what it held: never overwritten)."""
    target = path.with_name(path.name + SET_ASIDE)
    k = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{k}{SET_ASIDE}")
        k += 1
    path.replace(target)
    return target


def measured_commits(results_dir: Path, machine: str, set_aside: list[Path]) -> set[str]:
    """Commits with a readable results file for ``machine`` (failed ones included:
    asv wrote a file for them); corrupt files are moved aside into ``set_aside``."""
    if not has_machine(results_dir, machine):
        return set()
    return {p.commit for p in load_machine(results_dir, machine, set_aside=set_aside)}


def machine_file(results_dir: Path, machine: str) -> Path:
    return Path(results_dir) / machine / MACHINE_FILE


def has_machine(results_dir: Path, machine: str) -> bool:
    """asv stored results for ``machine`` in ``results_dir`` (it wrote its machine.json)."""
    return machine_file(results_dir, machine).is_file()


def set_aside_machine_files(results_dir: Path) -> list[Path]:
    """Move every unreadable ``<machine>/machine.json`` aside (``move_aside``): asv
    skips a machine whose file it cannot parse, and its next ``asv run`` writes a
    new one. The paths set aside."""
    aside = []
    for path in sorted(Path(results_dir).glob(f"*/{MACHINE_FILE}")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or not isinstance(doc.get("machine"), str):
                raise ValueError("not a machine description")
        except (OSError, UnicodeDecodeError, ValueError):
            aside.append(move_aside(path))
    return aside


def machines(results_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in results_dir.glob(f"*/{MACHINE_FILE}"))


def result_files(results_dir: Path, machine: str) -> list[Path]:
    """One machine's results files (``<commit[:8]>-<env>.json``), as asv names them."""
    return sorted(
        p for p in (results_dir / machine).glob(_file_name("*", "*")) if p.name != MACHINE_FILE
    )


def commit_files(results_dir: Path, machine: str, commit: str) -> list[Path]:
    """The results files of ``commit`` (one per environment), in directory order."""
    return list(Path(results_dir).glob(get_filename(machine, commit, "*")))


def _file_name(commit: str, env_name: str) -> str:
    """asv's name of a results file (``asv.results.get_filename``, without the machine)."""
    return Path(get_filename("", commit, env_name)).name


def file_commit(path: Path) -> str:
    """``commit[:8]`` of a results file, as asv names it (``_file_name``)."""
    return path.name[:8]


# get_filename's stand-in for an environment name of 128 characters or more
_HASHED_ENV = re.compile(r"env-[0-9a-f]{32}")


def file_env(path: Path) -> str:
    """The asv environment name (Python and requirements) of a results file: from
    its name (``_file_name``) unless asv put a hash there, then from the file."""
    named = path.name.removesuffix(".json").split("-", 1)[1]  # <commit[:8]>-<env>.json
    return _load(path).env_name if _HASHED_ENV.fullmatch(named) else named


def stored_commit_prefixes(results_dir: Path, machine: str) -> set[str]:
    """``commit[:8]`` of every results file of ``machine``: asv stores a file even when
    the commit's install or benchmarks failed, so a file means "measured"."""
    return {file_commit(p) for p in result_files(results_dir, machine)}


def stored_envs(results_dir: Path, machine: str) -> set[str]:
    """asv environment names (Python and requirements) of ``machine``'s results files."""
    return {file_env(p) for p in result_files(results_dir, machine)}


Samples = tuple[list[float], dict]  # asv's recorded samples and stats of one commit


def samples(
    results_dir: Path, machine: str, benchmark: str, params: tuple[str, ...], commit: str
) -> Samples | None:
    """The samples and stats asv recorded (``--record-samples``) for one parameter
    set of ``benchmark`` at ``commit``; None when there are none (the benchmark
    failed, or an interrupted run left a file that does not load)."""
    for path in commit_files(results_dir, machine, commit):
        try:
            res = Results.load(str(path))
        except (UserError, ValueError, KeyError, TypeError):
            return None  # an interrupted side-by-side run: no samples, no verdict
        if benchmark not in res.get_all_result_keys():
            continue
        names = res.get_result_params(benchmark)
        if params not in (sets := combos(names)):
            continue
        i = sets.index(params)
        found = res.get_result_samples(benchmark, names)[i]
        if found:
            return found, res.get_result_stats(benchmark, names)[i]
    return None


def restore_machine_file(results_dir: Path, machine: str) -> None:
    """Where a corrupt machine.json was set aside, asv's own description of the
    machine (~/.asv-machine.json) writes it again: asv reads no results without it."""
    if has_machine(results_dir, machine) or not (Path(results_dir) / machine).is_dir():
        return
    try:
        info = MachineCollection.load(machine)
    except (UserError, OSError, ValueError):
        return
    asv_util.write_json(str(machine_file(results_dir, machine)), info, Machine.api_version)

"""``cascade-bench profile``: the successor of Cascade's ``scripts/profile_entry.py``.

Profiles one workload at the installed Cascade (or at a commit, in the suite's
asv environment), prints the top functions by cumulative and own time, and
writes a ``.prof`` for snakeviz; or prints a profile stored by ``asv run``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .. import cli_args, envs, lock, profiles
from ..asvconf import load_suite
from ..steps import SeriesKey
from ..suite import ROOT, SuiteError, eras, profile_store, profiling

PROFILE_SCRIPT = ROOT / "envtools" / "profile_workload.py"
DEFAULT_N = 1000
NO_CASCADE = 4  # profile_workload.py's exit status without a Cascade
# pstats comes with Python; snakeviz with the suite's "viewer" extra.
VIEW = "read it with: python -m pstats {0}; or snakeviz {0} after pip install -e '.[viewer]'"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("profile", help="profile a workload, or print a stored profile")
    p.add_argument("workload", nargs="?", help="e.g. heavy_jump_loop (see --list)")
    p.add_argument("-n", type=int, default=None, help=f"loop iterations (default {DEFAULT_N})")
    p.add_argument("--commit", help="profile (or look up) this Cascade commit")
    p.add_argument("--stored", metavar="BENCH", help="print the profile asv run stored for BENCH")
    p.add_argument("--python", help="interpreter with Cascade installed (default: this one)")
    cli_args.add_machine(p)
    cli_args.add_config(p)
    p.add_argument("-o", "--output",
                   help="where to write the .prof (default: profile_WORKLOAD_N.prof here)")
    cli_args.add_top(p, default=20)
    p.add_argument("--list", action="store_true", help="list the workloads")
    p.set_defaults(func=run)


def _workload(name: str | None) -> str:
    name = eras().PROFILE_ENTRY_ALIASES.get(name or "", name)
    known = eras().WORKLOAD_FAMILY
    if name is None or name not in known:
        raise SuiteError(f"unknown workload {name!r}; known: {', '.join(known)}")
    return name


def run(args: argparse.Namespace) -> int:
    if args.list:
        aliases = {w: a for a, w in eras().PROFILE_ENTRY_ALIASES.items()}
        for name, family in eras().WORKLOAD_FAMILY.items():
            alias = f"(profile_entry.py: {aliases[name]})" if name in aliases else ""
            print(f"{name:26s} {family:28s} {alias}")
        return 0
    n = DEFAULT_N if args.n is None else args.n
    if args.stored:
        return _print_stored(args, n)
    workload = _workload(args.workload)
    out = Path(args.output or f"profile_{workload}_{n}.prof")
    python = Path(args.python or sys.executable)
    if not args.commit:
        _profile_live(python, workload, n, out)
    else:
        suite = load_suite(args.config)
        commit = suite.resolve_commit(args.commit)
        # Installing into asv's environment: never while a night benchmarks in it.
        with lock.hold(suite.lock_path, "profile --commit"):
            python = envs.python_of_first_env(suite)
            print(f"installing {commit[:8]} into {python.parent.parent}", file=sys.stderr)
            envs.install_commit(suite, python, commit)
            _profile_live(python, workload, n, out)
    _print(profiles.load_raw(out), workload, n, args.top)
    print(f"wrote {out} ({VIEW.format(out)})")
    return 0


def _profile_live(python: Path, workload: str, n: int, out: Path) -> None:
    # Under the hash seed of the benchmark processes: its counts are the stored ones.
    proc = subprocess.run(
        [str(python), str(PROFILE_SCRIPT), workload, str(n), str(out)],
        env=profiling().with_hash_seed(os.environ),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode == NO_CASCADE:
        raise SuiteError(
            f"no Cascade is installed for {python}: give --commit SHA (installed into the "
            "suite's asv environment) or --python PATH (an interpreter with Cascade)"
        )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["failed"]
        raise SuiteError(lines[-1])


def _print_stored(args: argparse.Namespace, n: int) -> int:
    if not args.commit:
        raise SuiteError("--stored needs --commit")
    suite = load_suite(args.config)
    workload = SeriesKey(args.stored, ()).workload or _workload(args.stored)
    commit = suite.resolve_commit(args.commit)
    root = suite.profile_root
    machine = suite.machine(args.machine)
    path = profiles.stored_path(root, machine, commit, workload, n)
    stats = profiles.load(path)
    _print(stats, workload, n, args.top, source=path)
    if args.output:
        profile_store().export_prof(path, Path(args.output))
        print(f"wrote {args.output} ({VIEW.format(args.output)})")
    return 0


def _print(stats, workload: str, n: int, top: int, source: Path | None = None) -> None:
    where = f" ({source})" if source else ""
    print(f"{workload} n={n}{where}")
    print(
        f"{stats.total_calls} function calls ({stats.prim_calls} primitive) = "
        f"{stats.total_calls / n:.2f} per iteration, {stats.total_tt:.3f} s"
    )
    print(profiles.top_report(stats, top))

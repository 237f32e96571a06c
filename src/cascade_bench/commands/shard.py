"""``cascade-bench shard``: benchmark a shard's commits into a directory of its own.

The shard gets its own results, profiles and environments (``Suite.derived``), so
shards can run in parallel on one machine, and ``shard.json`` records what a merge
checks: machine, Python, suite version, commits.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import asvrun, cli_args, lock, shards
from ..asvconf import load_suite, require_machine
from ..progress import Progress
from ..suite import SuiteError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("shard", help="asv run a shard's commits into their own directory")
    cli_args.add_config(p)
    p.add_argument(
        "--machine",
        help="asv machine name to store results under (the runner image's shared name; "
        "default: the store's one machine, else asv's); asv must know it: "
        "'asv machine --yes --machine NAME'",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--commits", help="commits separated by spaces (a plan's matrix entry)")
    which.add_argument("--commits-file", help="a file of commits, whitespace separated")
    p.add_argument("--out", required=True, help="the shard's directory (results, profiles, env)")
    p.add_argument("--bench", default=".", help="regex of benchmark names (default: all)")
    p.add_argument("--quick", action="store_true", help="one sample per benchmark (asv --quick)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    text = args.commits if args.commits is not None else Path(args.commits_file).read_text()
    revs = text.split()
    if not revs:
        raise SuiteError("no commits given")
    suite = load_suite(args.config)
    commits = list(dict.fromkeys(suite.resolve_commit(r) for r in revs))
    machine = suite.machine(args.machine)  # default: the store's, as merge's
    require_machine(machine)
    out = Path(args.out)
    suite.refuse_inside(out, "--out")
    derived = suite.derived(out, share_envs=False)  # own envs: shards may run side by side
    extra = ("--skip-existing",) + (("--quick",) if args.quick else ())
    with lock.hold(derived.lock_path, "shard"):  # its own environments, its own lock
        with Progress("shard: commit", total=len(commits)) as progress:
            asvrun.run_commits(derived, commits, args.bench, machine, extra,
                               on_commit=lambda h: progress.step(f"{h}: {args.bench}"))  # fmt: skip
        doc = shards.write_manifest(out, machine, commits)
    print(f"shard {out}: {len(commits)} commit(s) on machine {machine}, "
          f"suite version {doc['suite_version']}", file=sys.stderr)  # fmt: skip
    return 0

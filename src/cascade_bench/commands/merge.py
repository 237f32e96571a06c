"""``cascade-bench merge``: merge shard directories into the store, all or nothing.

Refused with one line, before anything is copied: a shard of another machine, another
Python, another suite version, a corrupt results file, or a value that conflicts with
the store or another shard. Files already in the store byte for byte are skipped, so
merging the same shards again changes nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .. import cli_args, lock, shards
from ..asvconf import load_suite


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("merge", help="merge shard results and profiles into the store")
    cli_args.add_config(p)
    cli_args.add_machine(p)
    p.add_argument(
        "--adopt-suite",
        action="store_true",
        help="the suite changed: the shards' benchmark versions replace the store's "
        "(as asv run does) instead of being refused",
    )
    p.add_argument("dirs", nargs="+", metavar="DIR", help="shard directories")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    suite = load_suite(args.config)
    dirs = [Path(d) for d in args.dirs]
    machine = shards.store_machine(suite, args.machine, dirs)
    # The merge writes the store's results and profiles: never under a running night.
    with lock.hold(suite.lock_path, "merge"):
        done = shards.merge(suite, machine, dirs, adopt_suite=args.adopt_suite)
    print(f"merged {len(dirs)} shard(s) of {len(done.commits)} commit(s) into "
          f"{suite.results_dir} (machine {machine}): {len(done.copies)} file(s) copied, "
          f"{done.skipped} already there")  # fmt: skip
    return 0

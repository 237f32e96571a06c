"""``cascade-bench plan``: the unmeasured commits of a range as a GitHub Actions matrix.

Prints one compact JSON line, ``{"include":[{"shard":1,"commits":"<sha> <sha> ..."}]}``
(``{"include":[]}`` when everything is measured), for ``$GITHUB_OUTPUT``.
"""

from __future__ import annotations

import argparse

from .. import cli_args, shards
from ..asvconf import load_suite


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan", help="split the unmeasured commits of a range into shards (a CI job matrix)"
    )
    cli_args.add_config(p)
    cli_args.add_machine(p)
    p.add_argument(
        "--range", dest="range_spec", help="A..B (default: the branch's whole first-parent line)"
    )
    p.add_argument("--shards", type=int, required=True, help="number of shards (at most)")
    p.add_argument("--max-commits", type=int, help="plan at most this many commits, evenly spread")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    suite = load_suite(args.config)
    machine = suite.machine(args.machine)
    planned = shards.plan(suite, machine, args.range_spec, args.shards, args.max_commits)
    print(shards.matrix(planned))
    return 0

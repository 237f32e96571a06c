"""``cascade-bench compare BASE HEAD``: pull-request mode, like ``asv continuous``.

Both commits are benchmarked side by side (rounds interleaved, samples kept);
a timing change counts only when the side-by-side verdict confirms it, a
call-count change is exact (``Blamer.compare``: the same rules as blame). For
everything that got worse, the profiles of BASE and HEAD name the functions.
Exit status: 0 nothing got worse, 1 something got worse, 2 error.
"""

from __future__ import annotations

import argparse

from .. import asvrun, cli_args, summary, verdict
from ..asvconf import load_suite
from ..blame import Blamer, Options
from ..steps import SeriesKey


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="benchmark BASE and HEAD side by side; name culprits")
    p.add_argument("base")
    p.add_argument("head")
    cli_args.add_config(p)
    cli_args.add_machine(p)
    cli_args.add_bench(p)
    cli_args.add_rounds(p)
    cli_args.add_markdown(p)
    cli_args.add_top(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    side_by_side = verdict.side_by_side_args(args.rounds)
    bench = load_suite(args.config)
    base, head = bench.resolve_commit(args.base), bench.resolve_commit(args.head)
    machine = bench.machine(args.machine)
    # Wall time side by side (interleaved rounds); the exact signals once each (their
    # setup_cache would run again every round), the calls benchmarks leaving profiles.
    asvrun.run_commits(bench, [base, head], f"^(?=loops\\.)(?:{args.bench})", machine, side_by_side)
    classes = asvrun.benchmark_classes(bench, args.bench)
    if classes:
        exact = SeriesKey.classes_regex(classes, "calls|instructions")
        asvrun.run_commits(bench, [base, head], exact, machine)
    blamer = Blamer(bench, Options(machine=machine, bench_regex=args.bench, build=False))
    blame = blamer.compare(base, head)
    print(summary.terminal(blame, args.top))
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(summary.markdown(blame, args.top))
    return 1 if blame.counted else 0

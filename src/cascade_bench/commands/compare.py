"""``cascade-bench compare BASE HEAD``: pull-request mode, like ``asv continuous``.

Both commits are benchmarked side by side (rounds interleaved, samples kept);
a timing change counts only when the side-by-side verdict confirms it, a
call-count change is exact (``blame.blame_pair``: the same rules as blame). For
everything that got worse, the profiles of BASE and HEAD name the functions.
Exit status: 0 nothing got worse, 1 something got worse, 2 error.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from .. import asvrun, cli_args, lock, markdown_view, outputs, terminal_view, verdict
from ..asvconf import Suite, load_suite, require_machine
from ..blame import Options, blame_pair
from ..progress import Progress
from ..steps import SeriesKey
from ..suite import SuiteError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="benchmark BASE and HEAD side by side; name culprits")
    p.add_argument("base", help="the commit compared against (a SHA, branch or tag)")
    p.add_argument("head", help="the commit under test (a SHA, branch or tag)")
    cli_args.add_config(p)
    cli_args.add_machine(p)
    cli_args.add_bench(p)
    cli_args.add_rounds(p)
    cli_args.add_markdown(p)
    cli_args.add_top(p)
    p.add_argument(
        "--results",
        help="keep the two commits' results and profiles in this directory (default: a "
        "temporary one); never the suite's own results",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    side_by_side = verdict.side_by_side_args(args.rounds)
    bench = load_suite(args.config)
    base, head = bench.resolve_commit(args.base), bench.resolve_commit(args.head)
    machine = bench.machine(args.machine)
    _check_bench(bench, args.bench)
    require_machine(machine)
    if args.results:
        bench.refuse_inside(Path(args.results), "--results")
    where = Path(args.results) if args.results else Path(tempfile.mkdtemp(prefix="cascade-bench-"))
    try:
        with lock.hold(bench.lock_path, "compare"):
            own = bench.derived(where, share_envs=True)
            kept = f", results kept in {own.results_dir}" if args.results else ""
            print(f"compare: {base[:8]} vs {head[:8]} on machine {machine}{kept}", file=sys.stderr)
            blame = _compare(own, machine, base, head, args.bench, args.rounds, side_by_side)
    finally:
        if not args.results:
            shutil.rmtree(where, ignore_errors=True)
    print(terminal_view.terminal(blame, args.top))
    if args.markdown:
        outputs.write(args.markdown, markdown_view.markdown(blame, args.top), "--markdown")
    return 1 if blame.counted else 0


def _compare(
    own: Suite, machine: str, base: str, head: str, bench: str, rounds: int, side_by_side: tuple
):  # fmt: skip
    # Wall time side by side (interleaved rounds); the exact signals once each (their
    # setup_cache would run again every round), the calls benchmarks leaving profiles.
    with Progress("compare", total=2 * rounds + 2) as progress:
        def timing(h: str) -> None:
            progress.step(f"wall time, round {progress.done // 2 + 1} of {rounds}: {h}")

        try:
            asvrun.run_commits(own, [base, head], f"^(?=loops\\.)(?:{bench})", machine,
                               side_by_side, on_commit=timing)  # fmt: skip
        except asvrun.NoBenchmarks:
            pass  # no timing selected: the exact signals may still be
        classes = asvrun.benchmark_classes(own, bench)
        if not classes:
            raise SuiteError(f"--bench {bench!r} matches no benchmark of the suite")
        progress.expect(progress.done + 2)
        exact = SeriesKey.classes_regex(classes, "calls|instructions")
        asvrun.run_commits(
            own, [base, head], exact, machine,
            on_commit=lambda h: progress.step(f"instructions, profiles: {h}"),
        )  # fmt: skip
    blame = blame_pair(own, Options(machine=machine, bench_regex=bench, build=False), base, head)
    return replace(blame, built=sorted({base, head}))  # both installed above, not by blame


def _check_bench(bench: Suite, regex: str) -> None:
    """A --bench that selects nothing is a typo, not a pass: refuse it before building
    (from the benchmark list asv wrote last, when there is one)."""
    names = asvrun.benchmark_names(bench)
    pattern = re.compile(regex)
    if names and not any(pattern.search(n) for n in names):
        raise SuiteError(f"--bench {regex!r} matches no benchmark of the suite")

"""``cascade-bench compare BASE HEAD``: pull-request mode, like ``asv continuous``.

Both commits are benchmarked side by side (rounds interleaved, samples kept);
a timing change counts only when blame's side-by-side verdict confirms it
(asv's Mann-Whitney test, beyond the threshold, rounds separated); a
call-count change is exact. For everything that got worse, the profiles of
BASE and HEAD name the functions.
Exit status: 0 nothing got worse, 1 something got worse, 2 error.
"""

from __future__ import annotations

import argparse

from . import asvrun, blame_cmd
from .asvconf import load_suite
from .blame import CONFIRM_ROUNDS, Blamer, Options, side_by_side_args
from .profile_cmd import default_machine
from .steps import DEFAULT_SERIES, SeriesKey, Step, threshold_for


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="benchmark BASE and HEAD side by side; name culprits")
    p.add_argument("base")
    p.add_argument("head")
    p.add_argument("--config", default="asv.conf.json")
    p.add_argument("--machine")
    p.add_argument("--bench", default=DEFAULT_SERIES, help="regex of benchmark names")
    p.add_argument(
        "--rounds", type=int, default=CONFIRM_ROUNDS, help="interleaved rounds (at least 3)"
    )
    p.add_argument("--markdown", help="also write a Markdown summary here")
    p.add_argument("--top", type=int, default=5)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    side_by_side = side_by_side_args(args.rounds)
    bench = load_suite(args.config)
    base, head = bench.resolve_commit(args.base), bench.resolve_commit(args.head)
    machine = default_machine(bench.results_dir, args.machine)
    # Profiles come from the calls benchmarks of the same workloads.
    regex = f"({args.bench})|^calls\\."
    asvrun.run_commits(bench, [base, head], regex, machine, side_by_side)
    blamer = Blamer(bench, Options(machine=machine, bench_regex=args.bench, build=False))
    keys = sorted(
        {SeriesKey(b, p) for (b, p, c) in blamer.values if c == head},
        key=lambda k: (k.benchmark, k.params),
    )
    keys = [k for k in keys if blamer.blameable(k)]
    blamer.keep_side_by_side(base, head, [k for k in keys if k.signal == "time"])
    findings = []
    for key in keys:
        benchmark = key.benchmark
        before, after = blamer.value(key, base), blamer.value(key, head)
        if not (isinstance(before, float) and isinstance(after, float)) or before == after:
            continue
        step = Step(key, base, head, before, after)
        if key.signal == "calls" and abs(after / before - 1) < threshold_for(
            benchmark, bench.conf.regressions_thresholds
        ):
            continue
        finding = blamer.finding(step, head, base, {"gap": 1, "built": 0, "failed": []})
        if key.signal == "time" and not finding["confirmed"]:
            continue
        finding.update(blamer.attribute(key, base, head))
        findings.append(finding)
    doc = blame_cmd.store_doc(machine, blamer.opts, findings, [], {base, head})
    print(blame_cmd.terminal(doc, args.top))
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write(blame_cmd.markdown(doc, args.top))
    return 1 if blame_cmd.counted_regressions(findings) else 0

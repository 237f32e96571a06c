"""``cascade-bench blame``: name the commit and the function behind every step."""

from __future__ import annotations

import argparse
import json

from .. import cli_args, lock, markdown_view, outputs, terminal_view
from ..asvconf import load_suite
from ..blame import Options, Timings, blame_history
from ..blame_store import Store, blame_path, to_json
from ..phases import Phases


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "blame",
        help="find regressions in asv's results and name culprit commits and functions",
        description="Exit status: 0 no regression, 1 regressions found, 2 error.",
    )
    cli_args.add_config(p)
    cli_args.add_machine(p)
    cli_args.add_bench(p)
    p.add_argument("--range", dest="range_spec", help="only steps whose culprit is in A..B")
    p.add_argument("--threshold", type=float, help="relative step size (default: asv.conf.json)")
    p.add_argument(
        "--no-build", action="store_true", help="never run asv: no narrowing, no confirming"
    )
    cli_args.add_rounds(p)
    p.add_argument(
        "--budget",
        type=float,
        help="seconds for extra builds (narrowing steps, side-by-side runs); "
        "what it leaves open is listed",
    )
    p.add_argument("--json", help="also write the findings as JSON here")
    cli_args.add_markdown(p)
    cli_args.add_top(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    suite = load_suite(args.config)
    machine = suite.machine(args.machine)
    opts = Options(
        machine=machine,
        bench_regex=args.bench,
        range_spec=args.range_spec,
        threshold=args.threshold,
        build=not args.no_build,
        confirm_rounds=args.rounds,
        budget=args.budget,
    )
    store = blame_path(suite.blame_dir, machine)
    with lock.hold(suite.lock_path, "blame"):
        stored = Store.open(store)
        known = Timings(previous=stored.verdicts(), sizes=stored.sizes())
        phases = Phases()
        blame, recheck = blame_history(suite, opts, known, phases=phases)
        merged = stored.update(blame, recheck)
    # The terminal first: a file that cannot be written (a full disk) loses nothing.
    print(terminal_view.terminal(blame, args.top))
    print(terminal_view.store_text(blame, merged, store))
    print(phases.line())
    if args.json:
        outputs.write(args.json, json.dumps(to_json(blame), indent=1) + "\n", "--json")
    if args.markdown:
        outputs.write(args.markdown, markdown_view.markdown(blame, args.top), "--markdown")
    return 1 if blame.counted else 0

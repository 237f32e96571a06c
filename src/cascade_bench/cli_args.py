"""Options shared by several commands, defined once (as asv's ``common_args``)."""

from __future__ import annotations

import argparse
import math
import re

from . import outputs
from .signals import DEFAULT_SERIES
from .suite import SuiteError
from .verdict import CONFIRM_ROUNDS, side_by_side_args


def add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="asv.conf.json", help="asv config (default: %(default)s)")


def add_machine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--machine",
        help="asv machine whose results to use (default: the only machine in the results "
        "directory, else the one `asv run` would use)",
    )


def add_bench(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bench",
        default=DEFAULT_SERIES,
        help="regex of benchmark names (default: wall time, instructions and call counts "
        "of every workload: %(default)s)",
    )


def add_rounds(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rounds",
        type=int,
        default=CONFIRM_ROUNDS,
        help="interleaved rounds when timing side by side (default: %(default)s; at least 6: "
        "fewer separate by chance more than 1 %% of the time)",
    )


def add_top(p: argparse.ArgumentParser, default: int = 5) -> None:
    p.add_argument("--top", type=int, default=default,
                   help="functions shown per finding (default: %(default)s)")  # fmt: skip


def add_markdown(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", help="also write a Markdown summary here")


def check(args: argparse.Namespace) -> None:
    """Options every command shares, checked before any work: a one-line error."""
    if getattr(args, "bench", None) is not None:
        try:
            re.compile(args.bench)
        except re.error as exc:
            raise SuiteError(f"--bench {args.bench!r}: not a regular expression ({exc})") from None
    for name in ("top", "n"):
        value = getattr(args, name, None)
        if value is not None and value <= 0:
            raise SuiteError(f"-{'-' if len(name) > 1 else ''}{name} {value}: must be positive")
    for name in ("budget", "backfill_budget"):
        value = getattr(args, name, None)
        if value is not None and not (math.isfinite(value) and value >= 0):
            flag = "--" + name.replace("_", "-")
            raise SuiteError(f"{flag} {value}: expected a finite number of seconds >= 0")
    threshold = getattr(args, "threshold", None)
    if threshold is not None and not 0 < threshold < 10:
        raise SuiteError(f"--threshold {threshold}: expected a fraction such as 0.05")
    if getattr(args, "rounds", None) is not None:
        side_by_side_args(args.rounds)  # at least verdict.MIN_ROUNDS
    for name, flag in outputs.FLAGS.items():
        if getattr(args, name, None):
            outputs.check(getattr(args, name), flag)

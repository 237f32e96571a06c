"""Options shared by several commands, defined once (as asv's ``common_args``)."""

from __future__ import annotations

import argparse

from .steps import DEFAULT_SERIES
from .verdict import CONFIRM_ROUNDS


def add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="asv.conf.json", help="asv config (default: %(default)s)")


def add_machine(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--machine",
        help="asv machine whose results to use (default: the only machine in the results "
        "directory, else the one `asv run` would use)",
    )


def add_bench(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bench", default=DEFAULT_SERIES, help="regex of benchmark names")


def add_rounds(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--rounds",
        type=int,
        default=CONFIRM_ROUNDS,
        help="interleaved rounds when timing side by side (at least 3: the rounds must separate)",
    )


def add_top(p: argparse.ArgumentParser, default: int = 5) -> None:
    p.add_argument("--top", type=int, default=default, help="functions shown per finding")


def add_markdown(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", help="also write a Markdown summary here")

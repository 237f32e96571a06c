"""``cascade-bench``: host-side commands over asv's results and the suite's profiles."""

from __future__ import annotations

import argparse
import sys

from .commands import blame, compare, nightly, profile
from .suite import SuiteError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cascade-bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (profile, blame, nightly, compare):
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SuiteError as exc:
        print(f"cascade-bench {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"cascade-bench {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

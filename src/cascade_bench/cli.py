"""``cascade-bench``: host-side commands over asv's results and the suite's profiles."""

from __future__ import annotations

import argparse
import sys

from . import cli_args
from .commands import blame, comment, compare, merge, nightly, plan, profile, shard
from .suite import SuiteError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cascade-bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in (profile, blame, nightly, compare, comment, plan, shard, merge):
        command.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Exit 1 means "regressions found" and nothing else: every failure is one line, 2.
    try:
        cli_args.check(args)
        return args.func(args)
    except SuiteError as exc:
        error = str(exc)
    except OSError as exc:
        error = f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    except KeyboardInterrupt:
        print(f"cascade-bench {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the boundary: one line, never a traceback
        error = f"unexpected {type(exc).__name__}: {exc}"
    print(f"cascade-bench {args.command}: error: {' '.join(error.split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

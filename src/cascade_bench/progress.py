"""What a long command is doing: step i of n, what it measures, time elapsed and an
estimate of what is left.

On a terminal, a tqdm bar on stderr; anywhere else (CI logs, files) one line per
step, which a log keeps and a bar's carriage returns would garble.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from tqdm import tqdm

from . import fmt


class Progress:
    """Steps of one stage of a command (``what``: "benchmarking new commits").
    ``total`` may be unknown (None) or grow (``expect``)."""

    def __init__(self, what: str, total: int | None = None, *, stream: TextIO | None = None):
        self.what, self.total, self.done = what, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.started = time.monotonic()
        self.bar = (
            tqdm(total=total, desc=what, file=self.stream, unit="step", dynamic_ncols=True,
                 leave=True)
            if _is_terminal(self.stream)
            else None
        )  # fmt: skip

    def expect(self, total: int) -> None:
        """The number of steps, once known (or grown)."""
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def step(self, label: str) -> None:
        """A step begins: ``label`` says what it measures."""
        if self.bar is not None:
            if self.done:
                self.bar.update(1)
            self.bar.set_postfix_str(label)
        else:
            self.stream.write(self.line(label) + "\n")
            self.stream.flush()
        self.done += 1

    def line(self, label: str) -> str:
        """``what i/n: label · 1 min 5 s elapsed, about 3 min left`` (one line per step)."""
        elapsed = time.monotonic() - self.started
        count = f"{self.done + 1}/{self.total}" if self.total else f"{self.done + 1}"
        left = ""
        if self.total and self.done:
            rest = elapsed / self.done * max(self.total - self.done, 0)
            left = f", about {fmt.duration(rest)} left"
        return f"{self.what} {count}: {label} · {fmt.duration(elapsed)} elapsed{left}"

    def close(self) -> None:
        if self.bar is not None:
            if self.done:
                self.bar.update(1)
            self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

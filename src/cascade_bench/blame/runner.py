"""How blame reaches asv: one interface, the real ``asv run`` behind it.

Tests inject a fake that writes results through asv's own API
(``tests/fake_asv.py``), so blame's stages run in seconds without virtualenvs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .. import asvrun
from ..asvconf import Suite


class Runner(Protocol):
    def run(
        self, suite: Suite, commits: list[str], bench_regex: str, args: tuple[str, ...] = ()
    ) -> None:
        """Measure the benchmarks matching ``bench_regex`` at ``commits`` into
        ``suite``'s results directory (and its profile store), as ``asv run`` does;
        a benchmark that fails is recorded as failed, not raised."""


@dataclass(frozen=True)
class AsvRunner:
    """``asv run`` on exactly the commits asked, on one machine."""

    machine: str

    def run(
        self, suite: Suite, commits: list[str], bench_regex: str, args: tuple[str, ...] = ()
    ) -> None:
        asvrun.run_commits(suite, commits, bench_regex, self.machine, args)

"""Where a command's time went: seconds per phase, from asv's own records.

asv stores, per commit, how long every benchmark and every ``setup_cache`` took
(``duration``, ``started_at``). A run of ours over some commits is split into:

- ``instructions``, ``timing``, ``profiling``: the benchmarks (and caches) of the
  ``instructions``, ``loops`` and ``calls`` modules that ran in it;
- ``install and asv``: the rest of that run's wall clock (virtualenv, install,
  asv's discovery and process start-ups);
- ``side by side``: runs that time parent and culprit together, counted whole;
- ``analysis``: everything else the command did (git, profiles, the report).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from asv.results import Results

from . import results

SIGNAL_PHASE = {"instructions": "instructions", "loops": "timing", "calls": "profiling"}
INSTALL = "install and asv"
SIDE_BY_SIDE = "side by side"
ANALYSIS = "analysis"
ORDER = (INSTALL, "instructions", "timing", "profiling", SIDE_BY_SIDE, ANALYSIS)


def _phase_of(key: str) -> str | None:
    """``loops.X.time_loop`` or ``<setup_cache calls:45>`` -> its phase."""
    name = key[len("<setup_cache ") :].split(":")[0] if key.startswith("<setup_cache") else key
    return SIGNAL_PHASE.get(name.split(".")[0])


def benchmark_seconds(files: Iterable[Path], since: float) -> dict[str, float]:
    """Seconds per phase of the benchmarks in ``files`` that started at or after
    ``since`` (epoch seconds), with the caches of the modules that ran."""
    out: dict[str, float] = {}
    for path in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = Results.load(str(path))
        except Exception:  # noqa: BLE001 - a file the run could not write counts nothing
            continue
        ran = set()
        for key, started in res.started_at.items():
            phase = _phase_of(key)
            if phase and started is not None and started >= since * 1000:
                ran.add(phase)
                out[phase] = out.get(phase, 0.0) + (res.duration.get(key) or 0.0)
        for key, seconds in res.duration.items():
            phase = _phase_of(key)
            if key.startswith("<setup_cache") and phase in ran:
                out[phase] = out.get(phase, 0.0) + (seconds or 0.0)
    return out


@dataclass
class Phases:
    """Seconds per phase of one command, added to as it runs."""

    started: float = field(default_factory=time.monotonic)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, phase: str, seconds: float) -> None:
        self.seconds[phase] = self.seconds.get(phase, 0.0) + max(0.0, seconds)

    def timed(self, run: Callable[[], None], results_dir: Path, machine: str,
              commits: list[str], side_by_side: bool = False) -> None:  # fmt: skip
        """Call ``run`` (one ``asv run`` over ``commits``) and charge its time."""
        wall, start = time.time(), time.monotonic()
        try:
            run()
        finally:
            elapsed = time.monotonic() - start
            if side_by_side:
                self.add(SIDE_BY_SIDE, elapsed)
            else:
                files = [f for c in commits for f in results.commit_files(results_dir, machine, c)]
                split = benchmark_seconds(files, wall)
                for phase, seconds in split.items():
                    self.add(phase, seconds)
                self.add(INSTALL, elapsed - sum(split.values()))

    def line(self) -> str:
        """``time: install and asv 61 s · instructions 40 s · … (total 190 s)``."""
        total = time.monotonic() - self.started
        shown = dict(self.seconds)
        shown[ANALYSIS] = max(0.0, total - sum(shown.values()))
        parts = [f"{phase} {shown[phase]:.0f} s" for phase in ORDER if shown.get(phase)]
        return f"time: {' · '.join(parts)} (total {total:.0f} s)"

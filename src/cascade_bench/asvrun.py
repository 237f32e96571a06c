"""Running ``asv run`` from the host-side tools, on chosen commits and benchmarks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import results
from .asvconf import Suite
from .steps import SeriesKey
from .suite import SuiteError, instruction_classes, profile_store


class NoBenchmarks(SuiteError):
    """``asv run`` selected no benchmark (the regex matched nothing)."""


# asv's line as it starts on a commit: "[ 6.25%] · For cascade commit 5f5bcd3b <main~6>:"
_COMMIT_LINE = re.compile(r"· For \S+ commit ([0-9a-f]{8,40})\b")


def run_commits(
    suite: Suite,
    commits: list[str],
    bench_regex: str,
    machine: str,
    extra: tuple[str, ...] = (),
    on_commit: Callable[[str], None] | None = None,
) -> None:
    """``asv run`` on exactly ``commits`` (a HASHFILE), storing results as usual;
    ``on_commit(short_hash)`` as asv starts on each (a round of each, interleaved).

    A benchmark or commit that fails is recorded by asv (and read back as
    failed); only asv itself failing to run is an error here."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(commits) + "\n")
        hashfile = fh.name
    try:
        cmd = [
            sys.executable, "-m", "asv", "--config", str(suite.config_path), "run",
            "--machine", machine, "--bench", bench_regex, *extra, f"HASHFILE:{hashfile}",
        ]  # fmt: skip
        # The benchmark processes file profiles under this suite's root (a derived
        # suite's own directory), whatever the working directory.
        # The instruction classes' shared cache counts only the loops asv will run.
        env = {
            **os.environ,
            profile_store().ROOT_ENV: str(suite.profile_root),
            instruction_classes().SELECTED_ENV: bench_regex,
        }
        returncode, output = _streamed(cmd, suite.conf_dir, env, on_commit)
    finally:
        Path(hashfile).unlink(missing_ok=True)
    # asv run exits 2 when some benchmark failed: that is data, not an error.
    if returncode not in (0, 2):
        lines = [ln for ln in output if ln.strip()]
        if lines and "No benchmarks selected" in lines[-1]:
            raise NoBenchmarks(f"no benchmark matches {bench_regex!r}")
        raise SuiteError(f"asv run failed: {lines[-1].strip() if lines else returncode}")


def _streamed(
    cmd: list[str], cwd: Path, env: dict[str, str], on_commit: Callable[[str], None] | None
) -> tuple[int, list[str]]:
    """Run ``cmd``, reading its output as it comes (stderr with it): asv's commit
    lines drive ``on_commit``; the lines are kept for an error message."""
    lines: list[str] = []
    pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    with subprocess.Popen(cmd, cwd=cwd, env=env, text=True, errors="replace", **pipe) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            match = _COMMIT_LINE.search(line)
            if match and on_commit is not None:
                on_commit(match.group(1))
        returncode = proc.wait()
    return returncode, lines[-200:]


def benchmark_names(suite: Suite) -> list[str]:
    """Benchmarks of the list asv wrote when it last discovered the suite
    (``results.benchmarks_meta``); none if it never did."""
    meta = results.benchmarks_meta(suite.results_dir) or {}
    return [n for n in meta if n.count(".") >= 2]


def benchmark_classes(suite: Suite, bench_regex: str) -> list[str]:
    """Benchmark classes with a benchmark ``bench_regex`` selects (``benchmark_names``)."""
    pattern = re.compile(bench_regex)
    return sorted(
        {SeriesKey(n, ()).benchmark_class for n in benchmark_names(suite) if pattern.search(n)}
    )

"""Progress of long commands: one line per step off a terminal (CI logs), a bar on
one; asv's own commit lines drive it."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from cascade_bench import asvrun, fmt
from cascade_bench.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_each_step_is_one_line_with_elapsed_and_what_is_left(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([0.0, 0.0, 30.0, 90.0])
    monkeypatch.setattr("cascade_bench.progress.time.monotonic", lambda: next(clock))
    out = io.StringIO()
    with Progress("nightly: commit", total=3, stream=out) as progress:
        progress.step("aaaaaaaa: every benchmark")
        progress.step("bbbbbbbb: every benchmark")
        progress.step("cccccccc: every benchmark")
    assert out.getvalue().splitlines() == [
        "nightly: commit 1/3: aaaaaaaa: every benchmark · 0 s elapsed",
        "nightly: commit 2/3: bbbbbbbb: every benchmark · 30 s elapsed, about 1 min 0 s left",
        "nightly: commit 3/3: cccccccc: every benchmark · 1 min 30 s elapsed, about 45 s left",
    ]


def test_unknown_totals_count_up_and_a_terminal_gets_a_bar() -> None:
    out = io.StringIO()
    progress = Progress("blame: narrowing, probe", stream=out)
    progress.step("1234abcd for instructions.HeavyJumpLoop")
    assert out.getvalue().startswith("blame: narrowing, probe 1: 1234abcd for instructions")
    tty = Terminal()
    with Progress("shard: commit", total=2, stream=tty) as bar:
        bar.step("1234abcd")
        bar.step("5678ef90")
    text = tty.getvalue()
    assert "\r" in text and "2/2" in text and "5678ef90" in text  # tqdm's bar, redrawn


def test_durations_read_as_people_say_them() -> None:
    assert [fmt.duration(s) for s in (4.4, 65, 3725)] == ["4 s", "1 min 5 s", "1 h 2 min"]


def test_asvs_commit_lines_are_reported_as_they_come(tmp_path: Path) -> None:
    script = tmp_path / "fake_asv.py"
    script.write_text(
        "import sys\n"
        "print('· Discovering benchmarks', flush=True)\n"
        "print('[ 0.00%] · For cascade commit 03ca59f2 <main>:', flush=True)\n"
        "print('[50.00%] · For cascade commit 5f5bcd3b <main~6>:', flush=True)\n"
        "print('some error', file=sys.stderr)\n"
        "sys.exit(3)\n"
    )
    seen: list[str] = []
    code, lines = asvrun._streamed([sys.executable, str(script)], tmp_path, {}, seen.append)
    assert seen == ["03ca59f2", "5f5bcd3b"]
    assert code == 3 and lines[-1] == "some error"

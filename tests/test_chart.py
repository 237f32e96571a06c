"""A finding's picture: the table's deterministic measure and order, and the loop size
of the profiles the page links (not the finding's own size)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from cascade_bench.model import Commit, Finding, FunctionDiff
from cascade_bench.report import chart


def _finding(with_bytecodes: bool) -> Finding:
    def fn(name: str, k: float) -> FunctionDiff:
        codes = (100.0, 100.0 + 300 * k) if with_bytecodes else None
        return FunctionDiff(file="cascade/runtime/engine.py", function=name, cascade=True,
                            calls=(1.0, 1.0), primitive_calls=(1.0, 1.0), own=(1e-6, 3e-6 * k),
                            cumulative=(2e-6, 4e-6 * k), bytecodes=codes)  # fmt: skip

    commit = Commit(hash="b" * 40, short="b" * 8, subject="s", author="Ada")
    return Finding(
        id="regression-x", kind="regression", signal="instructions",
        benchmark="instructions.HeavyJumpLoop.track_instructions_per_iteration",
        workload="heavy_jump_loop", params={"n": "200"}, before=1.0, after=2.0, ratio=2.0,
        culprit=commit, parent=replace(commit, hash="a" * 40, short="a" * 8),
        functions=[fn("Engine.run", 2.0), fn("Engine._step", 1.0)],
        profiles={"parent": "profiles/vm/aaaaaaaa-env/heavy_jump_loop/n=1000.prof.gz",
                  "culprit": "profiles/vm/bbbbbbbb-env/heavy_jump_loop/n=1000.prof.gz"},
    )  # fmt: skip


def test_the_picture_shows_bytecodes_at_the_profiles_size(tmp_path: Path) -> None:
    svg = chart.draw_diff(_finding(True), tmp_path / "a.svg").read_text()
    # matplotlib keeps each text as a comment beside its glyph paths.
    assert "bytecodes per iteration (deterministic)" in svg and "own time" not in svg
    assert "heavy_jump_loop(n=1000)" in svg and "n=200" not in svg
    assert svg.index("Engine.run") < svg.index("Engine._step")  # the table's order


def test_without_bytecodes_it_falls_back_to_own_time(tmp_path: Path) -> None:
    svg = chart.draw_diff(_finding(False), tmp_path / "b.svg").read_text()
    assert "own time per iteration" in svg and "bytecodes per iteration" not in svg

"""How the stand-in's workload names map onto the suite's benchmark classes."""

from __future__ import annotations

from standin.repo import CommitExpectation

CLASS_OF = {
    "simple": "SimpleCountdown",
    "heavy": "HeavyComplexCountdown",
    "stable": "StableComplexLoop",
    "vm": "VMCountdown",
    "jump": "ExplicitJumpLoop",
    "heavy_jump": "HeavyJumpLoop",
}
WORKLOAD_OF = {  # the suite's workload names (profile directories)
    "simple": "simple_countdown",
    "heavy": "heavy_complex_countdown",
    "stable": "stable_complex_loop",
    "vm": "vm_countdown",
    "jump": "explicit_jump_loop",
    "heavy_jump": "heavy_jump_loop",
}
HEAVY = ("heavy", "stable", "heavy_jump")  # classes that also have peakmem_loop


def expected_state(exp: CommitExpectation, workload: str) -> str:
    """'ok', 'skipped' or 'failed' for a suite workload at one stand-in commit.

    The stable loop is implicit TCO over an 11-node chain: it lives where the
    simple countdown lives and breaks where the heavy countdown breaks."""
    if not exp.install_ok:
        return "failed"
    exists = exp.exists | ({"stable"} if "simple" in exp.exists else set())
    fails = exp.fails | ({"stable"} if "heavy" in exp.fails else set())
    if workload not in exists:
        return "skipped"
    return "failed" if workload in fails else "ok"

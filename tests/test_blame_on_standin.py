"""Issue 4 end to end: blame on a stepped asv run over the stand-in history.

Known facts of the stand-in: ``slow_resolver`` slows every implicit-TCO loop in
``_normalize_args``; ``calls_only`` adds calls to ``_touch_state`` (call counts
change, time barely); ``gap_slow`` slows the Jump loops in ``_rank_nodes`` and
lies inside an unmeasured four-commit gap; one stored timing is made 3x slower
by hand (machine noise) and must be dismissed by the side-by-side check.
"""

from __future__ import annotations

import json

import pytest

from asvtools import AsvProject
from standin.repo import StandinRepo

NOISY = ("loops.ExplicitJumpLoop.time_loop", "200", "fixed_install")


def _inject_noise(project: AsvProject, commit: str) -> None:
    """Make one stored measurement 3x slower, as a noisy neighbour would."""
    bench, param, _ = NOISY
    (path,) = project.results_dir.glob(f"{project.machine}/{commit[:8]}-*.json")
    doc = json.loads(path.read_text())
    entry = doc["results"][bench]
    i = entry[1][0].index(param)
    entry[0][i] *= 3
    path.write_text(json.dumps(doc))


@pytest.fixture(scope="session")
def blamed(standin: StandinRepo, stepped_run: AsvProject) -> tuple[int, dict, str]:
    _inject_noise(stepped_run, standin.commits[NOISY[2]])
    out = stepped_run.conf_dir / "blame-out.json"
    proc = stepped_run.cli("blame", "--json", str(out))
    return proc.returncode, json.loads(out.read_text()), proc.stdout + proc.stderr


def _label(standin: StandinRepo, sha: str) -> str:
    return {v: k for k, v in standin.commits.items()}[sha]


def _counted(doc: dict) -> list[dict]:
    return [
        f
        for f in doc["findings"]
        if f["kind"] == "regression" and (f["signal"] == "calls" or f["confirmed"])
    ]


def test_blame_names_exactly_the_injected_commits(standin: StandinRepo, blamed) -> None:
    code, doc, output = blamed
    assert code == 1, output
    culprits = {_label(standin, f["culprit"]["hash"]) for f in _counted(doc)}
    assert culprits == {"slow_resolver", "calls_only", "gap_slow"}, output


def test_timing_regressions_name_the_slowed_function(standin: StandinRepo, blamed) -> None:
    _, doc, output = blamed
    expected = {"slow_resolver": "_normalize_args", "gap_slow": "_rank_nodes"}
    seen = set()
    for f in _counted(doc):
        label = _label(standin, f["culprit"]["hash"])
        if f["signal"] != "time" or label not in expected:
            continue
        top = f["functions"][0]
        assert top["cascade"] and top["function"].endswith(expected[label]), (f["benchmark"], top)
        assert top["own"][1] > top["own"][0]
        seen.add(label)
    assert seen == set(expected), output


def test_call_count_step_is_exact_and_names_the_new_calls(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    at = [f for f in doc["findings"] if _label(standin, f["culprit"]["hash"]) == "calls_only"]
    assert at and all(f["signal"] == "calls" and f["confirmed"] is None for f in at)
    for f in at:
        top = f["functions"][0]
        assert top["function"] == "_touch_state" and top["file"] == "cascade/runtime/engine.py"
        assert top["calls"][1] - top["calls"][0] == pytest.approx(3, abs=0.05)


def test_gap_is_bisected_with_about_log2_builds(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    at = [f for f in _counted(doc) if _label(standin, f["culprit"]["hash"]) == "gap_slow"]
    assert at
    for f in at:
        assert _label(standin, f["parent"]["hash"]) == "gap_b"
        assert f["bisect"]["gap"] == 5
    # One asv run per bisected commit serves every series stepping in that gap.
    assert sum(f["bisect"]["built"] for f in at) <= 3


def test_noise_is_dismissed_not_reported(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    noisy = standin.commits[NOISY[2]]
    assert not [f for f in doc["findings"] if noisy in (f["culprit"]["hash"], f["parent"]["hash"])
                and f["signal"] == "time"]  # fmt: skip
    assert any(noisy in (f["culprit"]["hash"], f["parent"]["hash"]) for f in doc["dismissed"])


def test_speedup_is_reported_separately(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    speedups = {
        _label(standin, f["culprit"]["hash"]) for f in doc["findings"] if f["kind"] == "speedup"
    }
    assert "speedup" in speedups


def test_bad_input_is_a_one_line_error(stepped_run: AsvProject) -> None:
    for args in (
        ["blame", "--range", "deadbeef..HEAD", "--no-build"],
        ["blame", "--machine", "nosuchbox", "--no-build"],
        ["blame", "--bench", "^nothing$", "--no-build"],
        ["profile", "--stored", "loops.SimpleCountdown.time_loop", "--commit", "cafebabe"],
    ):
        proc = stepped_run.cli(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        err = proc.stderr.strip().splitlines()
        assert len(err) == 1 and "error:" in err[0] and "Traceback" not in proc.stderr, args

"""Issues 4 and 10 end to end: blame on a stepped asv run over the stand-in history.

Known facts of the stand-in: ``slow_resolver`` slows every implicit-TCO loop in
``_normalize_args``; ``calls_only`` adds calls to ``_touch_state`` (call counts
change, time barely); ``gap_slow`` slows the Jump loops in ``_rank_nodes`` and
lies inside an unmeasured four-commit gap; one stored timing is made 3x slower
by hand (machine noise) and must be dismissed by the side-by-side check.

Inside the unmeasured seven-commit ``CHURN_GAP``: a slowdown (``churn_slow``), a
partial speed-up two commits later (``churn_partial``), three call-count steps
(``churn_calls_a/b/c``) and harmless commits. Inside ``BORN_GAP`` the Jump loops
are born (``jump_era``) and slowed two commits later (``born_slow``), before a
measured broken install. Blame must detect again after narrowing, to a fixed
point, and name every one of them.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import BORN_GAP, CHURN_GAP, UNMEASURED

from asvtools import AsvProject, copy_project
from cascade_bench import results
from standin.repo import StandinRepo

# Two neighbouring measured commits that changed nothing for the simple countdown.
NOISY = ("loops.SimpleCountdown.time_loop", "200", ("vm", "broken_heavy"))
# A call-count wobble (3 % more calls, as thread hand-offs make at real Cascade's newest
# commits) stored at a commit that touches only docs/ and examples/: a step blame must
# dismiss, because nothing that ran changed.
WOBBLE = ("calls.SimpleCountdown.track_calls_per_iteration", "200", "settle")


def _edit_stored(project: AsvProject, commit: str, bench: str, param: str, factor: float) -> float:
    """Multiply one stored value by ``factor``; returns the value now stored."""
    (path,) = project.results_dir.glob(f"{project.machine}/{commit[:8]}-*.json")
    doc = json.loads(path.read_text())
    entry = doc["results"][bench]
    i = entry[1][0].index(param)
    entry[0][i] *= factor
    path.write_text(json.dumps(doc))
    return entry[0][i]


INJECTED: dict[str, float] = {}  # commit -> the noisy value stored there


def _inject_noise(project: AsvProject, commit: str) -> None:
    """Make one stored measurement 3x slower, as a noisy neighbour would (on two
    neighbours in a row, asv's step detection takes it for a step)."""
    INJECTED[commit] = _edit_stored(project, commit, NOISY[0], NOISY[1], 3)


# Side-by-side rounds per confirmation: the fewest blame allows (production: 8). Each
# round installs both commits; the stand-in's injected steps separate in any round.
ROUNDS = "6"


@pytest.fixture(scope="session")
def blamed_project(stepped_run: AsvProject, tmp_path_factory) -> AsvProject:
    """A copy of the stepped run (same environments) for blame to change: the noise
    injected, the commits it measures to narrow gaps, its store."""
    return copy_project(stepped_run, tmp_path_factory.mktemp("blamed") / "suite")


@pytest.fixture(scope="session")
def blamed(standin: StandinRepo, blamed_project: AsvProject) -> tuple[int, dict, str]:
    project = blamed_project
    for label in NOISY[2]:
        _inject_noise(project, standin.commits[label])
    _edit_stored(project, standin.commits[WOBBLE[2]], WOBBLE[0], WOBBLE[1], 1.03)
    out = project.conf_dir / "blame-out.json"
    proc = project.cli("blame", "--rounds", ROUNDS, "--json", str(out))
    return proc.returncode, json.loads(out.read_text()), proc.stdout + proc.stderr


def _label(standin: StandinRepo, sha: str) -> str:
    return {v: k for k, v in standin.commits.items()}[sha]


def _counted(doc: dict) -> list[dict]:
    """What fails a run: instruction regressions and confirmed timing regressions."""
    return [
        f
        for f in doc["findings"]
        if f["kind"] == "regression"
        and (f["signal"] == "instructions" or (f["signal"] == "time" and f["confirmed"]))
    ]


# Real slowdowns: instructions (and wall time, where large) step up.
REGRESSIONS = {"slow_resolver", "gap_slow", "churn_slow", "born_slow", "subtle_slow", "mixed"}
# Slower in one workload (the Jump loops), faster in another (the VM countdown).
MIXED = {"mixed"}
# Call-count-only changes: more work, little cost; never counted on calls alone.
WORK = {"calls_only", "churn_calls_a", "churn_calls_b", "churn_calls_c"}
SPEEDUPS = {"speedup", "churn_partial"}


def test_blame_names_exactly_the_injected_commits(standin: StandinRepo, blamed) -> None:
    code, doc, output = blamed
    assert code == 1, output
    culprits = {_label(standin, f["culprit"]["hash"]) for f in _counted(doc)}
    assert REGRESSIONS <= culprits <= REGRESSIONS | WORK, output
    for label in culprits & WORK:  # counted only if their instructions really rose
        at = [f for f in _counted(doc) if _label(standin, f["culprit"]["hash"]) == label]
        assert all(f["signal"] == "instructions" for f in at), (label, output)


def test_one_culprit_per_commit_ranked_by_cost(standin: StandinRepo, blamed) -> None:
    _, doc, output = blamed
    labels = [_label(standin, c["commit"]["hash"]) for c in doc["culprits"]]
    assert len(labels) == len(set(labels)), labels
    assert set(labels) == REGRESSIONS | WORK | SPEEDUPS, output
    kinds = [c["kind"] for c in doc["culprits"]]
    assert kinds == sorted(kinds, key=["regression", "speedup", "work"].index), kinds
    regressions = [c for c in doc["culprits"] if c["kind"] == "regression"]
    costs = [max(abs(math.log(r)) for r in (c["instructions"], c["wall"]) if r)
             for c in regressions]  # fmt: skip
    assert costs == sorted(costs, reverse=True)
    assert output.index("CULPRIT COMMITS") < output.index("REGRESSED SERIES (")


def test_a_slowdown_too_small_to_time_is_caught_by_instructions(
    standin: StandinRepo, blamed
) -> None:
    _, doc, output = blamed
    subtle = standin.commits["subtle_slow"]
    at = [f for f in doc["findings"] if f["culprit"]["hash"] == subtle]
    instr = [f for f in at if f["signal"] == "instructions" and f["kind"] == "regression"]
    assert instr, output
    assert not [f for f in at if f["signal"] == "time" and f["confirmed"]]
    assert not [f for f in at if f["signal"] == "calls"]  # no new calls: only cost
    for f in instr:
        assert 1.02 <= f["ratio"] < 1.25, f["ratio"]
        top = f["functions"][0]
        assert top["function"] == "NativeSolver.resolve" and top["edited"], top
        assert top["share"] > 0.5, top


def test_every_step_in_a_stepped_gap_gets_its_own_culprit(standin: StandinRepo, blamed) -> None:
    _, doc, output = blamed
    by_label: dict[str, set[str]] = {}
    for f in doc["findings"]:
        if not f["sizing"]:  # a wall-time size of an exact step is not a step
            by_label.setdefault(_label(standin, f["culprit"]["hash"]), set()).add(f["kind"])
    # A commit that changed nothing is never a culprit, in any series or signal.
    assert set(by_label) == REGRESSIONS | WORK | SPEEDUPS, output
    for label in MIXED:
        assert by_label[label] == {"regression", "speedup"}, (label, output)
    for label in (REGRESSIONS | WORK) - MIXED:
        assert by_label[label] == {"regression"}, (label, output)
    for label in SPEEDUPS:
        assert by_label[label] == {"speedup"}, (label, output)
    # Each culprit is pinned against its own parent: adjacent commits.
    order = list(standin.commits)
    for f in doc["findings"]:
        culprit, parent = (
            _label(standin, f["culprit"]["hash"]),
            _label(standin, f["parent"]["hash"]),
        )
        between = order[order.index(parent) + 1 : order.index(culprit)]
        assert all(not standin.expected[b].install_ok for b in between), (parent, culprit)


def test_every_finding_names_a_function_its_commit_changed(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    for f in doc["findings"]:
        label = _label(standin, f["culprit"]["hash"])
        changes = standin.expected[label].changes
        if f["signal"] == "time" and all(c.kind == "calls" for c in changes):
            continue  # a timing check of three trivial calls: nothing to rank
        if f["signal"] == "calls" and label in MIXED and f["kind"] == "speedup":
            continue  # the VM binds no more: the calls it drops are inspect's
        changed = {c.function.split(".")[-1] for c in changes}
        top = [fn["function"].split(".")[-1] for fn in f["functions"][:3] if fn["cascade"]]
        assert changed & set(top), (label, f["benchmark"], f["params"], top, changed)
        # Functions are marked as edited only in the files the commit changed, and the
        # helper it added (or slowed) is among them wherever it is listed.
        edited = [fn for fn in f["functions"] if fn["edited"]]
        files = {c.file for c in changes}
        assert all(any(fn["file"].endswith(x) for x in files) for fn in edited), (label, edited)
        if changes[-1].kind != "speedup":  # a partial speed-up calls an unchanged helper less
            helper = changes[-1].function.split(".")[-1]
            listed = [fn for fn in f["functions"] if fn["function"].split(".")[-1] == helper]
            assert all(fn["edited"] for fn in listed), (label, listed)


def test_series_start_where_their_workload_is_born(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    born = standin.commits["jump_era"]
    jump = [s for s in doc["series"] if ".ExplicitJumpLoop." in s["benchmark"]
            or ".HeavyJumpLoop." in s["benchmark"]]  # fmt: skip
    assert jump
    for s in jump:
        assert s["first"] == born and s["born"], s


def test_no_step_is_left_unexplained(standin: StandinRepo, blamed) -> None:
    _, doc, output = blamed
    assert doc["series"]
    for s in doc["series"]:
        assert not s["unresolved"] and s["explained"] == s["steps"], s
    assert "every step explained" in output
    # The churn gap held five culprits: narrowing it cost at most one build per commit.
    churn = _gap_holding(standin, doc, CHURN_GAP[0])
    assert len(churn["culprits"]) == 5 and churn["built"] <= len(CHURN_GAP), churn
    born = _gap_holding(standin, doc, "born_slow")
    assert born["built"] <= len(BORN_GAP), born


def _gap_holding(standin: StandinRepo, doc: dict, label: str) -> dict:
    """The stepped gap (measured ends before blame ran) that holds ``label``."""
    order = list(standin.commits)
    at = order.index(label)
    (gap,) = [
        g
        for g in doc["gaps"]
        if order.index(standin.label_of(g["left"]))
        < at
        <= order.index(standin.label_of(g["right"]))
    ]
    return gap


def test_gap_is_bisected_with_about_log2_builds(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    at = [f for f in _counted(doc) if _label(standin, f["culprit"]["hash"]) == "gap_slow"]
    assert at
    for f in at:
        assert _label(standin, f["parent"]["hash"]) == "gap_b"
        assert f["bisect"]["gap"] == 5 and f["bisect"]["log2"] == 3
    # One asv run per bisected commit serves every series stepping in that gap.
    (gap,) = [g for g in doc["gaps"] if standin.commits["gap_slow"] in g["culprits"]]
    assert gap["built"] <= 3 and gap["culprits"] == [standin.commits["gap_slow"]]


def test_noise_is_never_a_finding(
    standin: StandinRepo, stepped_run: AsvProject, blamed_project: AsvProject, blamed
) -> None:
    _, doc, _ = blamed
    bench, param, labels = NOISY
    noisy = {standin.commits[label] for label in labels}
    # The noise is in the data blame read (3x what was measured there)...
    points = results.load_machine(blamed_project.results_dir, blamed_project.machine)
    values = {p.commit: p.value for p in points if p.benchmark == bench and p.params == (param,)}
    assert {c: values[c] for c in noisy} == {c: INJECTED[c] for c in noisy}, values
    # ... and never becomes a finding: a step there is timed side by side and dismissed,
    # or not taken for a step at all.
    assert not [f for f in doc["findings"] if noisy & {f["culprit"]["hash"], f["parent"]["hash"]}
                and f["signal"] == "time" and not f["sizing"]]  # fmt: skip
    for f in doc["dismissed"]:
        if f["dismissal"] is None:
            assert f["signal"] == "time" and f["confirmed"] is False, f


def test_speedup_is_reported_separately(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    speedups = {
        _label(standin, f["culprit"]["hash"]) for f in doc["findings"] if f["kind"] == "speedup"
    }
    assert "speedup" in speedups


def test_a_corrupt_profile_is_set_aside_and_the_run_goes_on(
    standin: StandinRepo, blamed_project: AsvProject, blamed, tmp_path: Path
) -> None:
    """On a copy of the blamed run (results, profiles, store): every profile of one
    culprit commit (measured by blame, inside a gap) is garbage; blame moves them
    aside, says so, and still finds the step (instructions need no profile)."""
    copy = tmp_path / "copy"
    project = copy_project(blamed_project, copy)
    slow = standin.commits["gap_slow"]
    broken = sorted(project.profiles_dir.glob(f"*/{slow[:8]}-*/*/n=*.prof.gz"))
    assert broken
    for path in broken:
        path.write_bytes(b"\x1f\x8b not a profile")
    proc = project.cli("blame", "--no-build", "--bench", r"^instructions\.", "--json",
                       str(copy / "out.json"))  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "set aside (corrupt, kept for a look)" in proc.stdout
    aside = [p for p in broken if p.with_name(p.name + ".corrupt").is_file()]
    assert aside and all(not p.exists() for p in aside)
    doc = json.loads((copy / "out.json").read_text())
    at = [f for f in doc["findings"] if f["culprit"]["hash"] == slow]
    assert at and all(any("no function diff" in n for n in f["notes"]) for f in at)
    again = project.cli("blame", "--no-build", "--bench", r"^instructions\.")
    assert again.returncode == 1 and "set aside" not in again.stdout, again.stdout


def test_a_commit_moving_both_ways_is_listed_as_a_regression_reading_both(
    standin: StandinRepo, blamed
) -> None:
    _, doc, output = blamed
    mixed = standin.commits["mixed"]
    (entry,) = [c for c in doc["culprits"] if c["commit"]["hash"] == mixed]
    assert entry["kind"] == "regression" and entry["pinned"], entry
    kinds = {(m["workload"], m["signal"]): m["kind"] for m in entry["moves"]}
    assert kinds[("HeavyJumpLoop", "instructions")] == "regression"
    assert kinds[("ExplicitJumpLoop", "instructions")] == "regression"
    assert kinds[("VMCountdown", "instructions")] == "speedup"
    assert entry["instructions"] > 1.02  # the regression's size, never the speed-up's
    assert entry["functions"][0]["function"] in ("_index_routes", "Engine._run_graph"), entry
    (line,) = [ln for ln in output.splitlines() if f"{mixed[:8]} '" in ln and ln[2:3].isdigit()]
    assert "REGRESSION in " in line and "; speed-up in VMCountdown (instructions" in line
    regression_part = line.split("; speed-up in")[0]
    assert "VMCountdown" not in regression_part and "fewer" not in regression_part, line
    # Every regression culprit carries a wall-time figure.
    for c in doc["culprits"]:
        if c["kind"] == "regression":
            assert any(m["signal"] == "time" for m in c["moves"]), c


def test_a_commit_that_changed_nothing_that_ran_is_dismissed(standin: StandinRepo, blamed) -> None:
    _, doc, output = blamed
    settle = standin.commits[WOBBLE[2]]
    assert settle not in {c["commit"]["hash"] for c in doc["culprits"] + doc["ranges"]}
    assert settle not in {f["culprit"]["hash"] for f in doc["findings"]}
    (wobble,) = [f for f in doc["dismissed"] if f["culprit"]["hash"] == settle]
    assert wobble["benchmark"] == WOBBLE[0] and wobble["params"] == {"n": WOBBLE[1]}
    assert wobble["dismissal"].startswith("touches only files no workload ran")
    assert "examples/demo.py" in wobble["dismissal"], wobble["dismissal"]
    assert f"at {settle[:8]}: changed nothing that ran: touches only files" in output


def test_a_step_the_budget_leaves_open_is_a_range_everywhere(
    standin: StandinRepo, stepped_run: AsvProject, tmp_path: Path
) -> None:
    """On a copy of the stepped run (its gaps unmeasured): with no budget for builds,
    the gap holding gap_slow stays open. It is listed as a range in the JSON, the
    terminal, the Markdown and the published report, never as a culprit commit."""
    copy = tmp_path / "copy"
    project = copy_project(stepped_run, copy)
    for label in UNMEASURED:
        assert not list(project.results_dir.glob(f"*/{standin.commits[label][:8]}-*"))
    out, md = copy / "out.json", copy / "out.md"
    proc = project.cli("blame", "--budget", "0", "--bench", r"^instructions\.", "--json", str(out),
                       "--markdown", str(md))  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    doc = json.loads(out.read_text())
    left, right = standin.commits["calls_only"], standin.commits["gap_d"]
    (entry,) = [c for c in doc["ranges"] if c["commit"]["hash"] == right]
    assert entry["parent"]["hash"] == left and not entry["pinned"] and entry["unmeasured"] == 4
    assert entry["kind"] == "regression"
    assert right not in {c["commit"]["hash"] for c in doc["culprits"]}
    span = f"between {left[:8]} and {right[:8]} (4 commits not measured: --budget spent)"
    assert span in proc.stdout
    culprit_list = proc.stdout.split("NOT NARROWED TO ONE COMMIT")[0]
    assert f"{right[:8]} '" not in culprit_list
    range_list = proc.stdout.split("NOT NARROWED TO ONE COMMIT")[1].split("REGRESSED SERIES")[0]
    assert "[edited in this commit]" not in range_list, range_list
    text = md.read_text()
    assert "range" in text and f"between {left[:8]} and {right[:8]}" in text.replace("\\", "")
    # The published report: the range in its own table, not in the culprit table.
    pub = project.asv("publish")
    assert pub.returncode == 0, pub.stdout + pub.stderr
    index = (copy / "html" / "cascade-bench" / "index.html").read_text()
    culprits = index.split('id="culprit-list-')[1].split("</table>")[0] if (
        'id="culprit-list-' in index) else ""  # fmt: skip
    assert right[:8] not in culprits
    ranges = index.split('id="range-list-')[1].split("</table>")[0]
    assert f"between {left[:8]} and {right[:8]}" in ranges
    assert "edited in this range" in ranges or "<code>" not in ranges

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
import shutil
from pathlib import Path

import pytest
from conftest import BORN_GAP, CHURN_GAP

from asvtools import AsvProject
from cascade_bench import results
from standin.repo import StandinRepo

# Two neighbouring measured commits that changed nothing for the simple countdown.
NOISY = ("loops.SimpleCountdown.time_loop", "200", ("vm", "broken_heavy"))


def _inject_noise(project: AsvProject, commit: str) -> None:
    """Make one stored measurement 3x slower, as a noisy neighbour would (on two
    neighbours in a row, asv's step detection takes it for a step)."""
    bench, param, _ = NOISY
    (path,) = project.results_dir.glob(f"{project.machine}/{commit[:8]}-*.json")
    doc = json.loads(path.read_text())
    entry = doc["results"][bench]
    i = entry[1][0].index(param)
    entry[0][i] *= 3
    path.write_text(json.dumps(doc))


@pytest.fixture(scope="session")
def blamed(standin: StandinRepo, stepped_run: AsvProject) -> tuple[int, dict, str]:
    for label in NOISY[2]:
        _inject_noise(stepped_run, standin.commits[label])
    out = stepped_run.conf_dir / "blame-out.json"
    proc = stepped_run.cli("blame", "--json", str(out))
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
REGRESSIONS = {"slow_resolver", "gap_slow", "churn_slow", "born_slow", "subtle_slow"}
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
    assert output.index("CULPRIT COMMITS") < output.index("REGRESSIONS (")


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
        by_label.setdefault(_label(standin, f["culprit"]["hash"]), set()).add(f["kind"])
    # A commit that changed nothing is never a culprit, in any series or signal.
    assert set(by_label) == REGRESSIONS | WORK | SPEEDUPS, output
    for label in REGRESSIONS | WORK:
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


def test_noise_is_never_a_finding(standin: StandinRepo, stepped_run: AsvProject, blamed) -> None:
    _, doc, _ = blamed
    bench, param, labels = NOISY
    noisy = {standin.commits[label] for label in labels}
    # The noise is in the data blame read (3x its neighbours)...
    points = results.load_machine(stepped_run.results_dir, stepped_run.machine)
    values = {p.commit: p.value for p in points if p.benchmark == bench and p.params == (param,)}
    quiet = values[standin.commits["monorepo"]]
    assert all(values[c] > 2 * quiet for c in noisy), values
    # ... and never becomes a finding: a step there is timed side by side and dismissed,
    # or not taken for a step at all.
    assert not [f for f in doc["findings"] if noisy & {f["culprit"]["hash"], f["parent"]["hash"]}
                and f["signal"] == "time"]  # fmt: skip
    for f in doc["dismissed"]:
        assert f["signal"] == "time" and f["confirmed"] is False, f


def test_speedup_is_reported_separately(standin: StandinRepo, blamed) -> None:
    _, doc, _ = blamed
    speedups = {
        _label(standin, f["culprit"]["hash"]) for f in doc["findings"] if f["kind"] == "speedup"
    }
    assert "speedup" in speedups


def test_bad_input_is_a_one_line_error(standin: StandinRepo, stepped_run: AsvProject) -> None:
    single = standin.commits["single"]
    for args in (
        ["blame", "--no-build", "--json", "/proc/no/such/dir/blame.json"],
        ["blame", "--no-build", "--markdown", "/proc/no/such/dir/blame.md"],
        [
            "profile",
            "--stored",
            "loops.SimpleCountdown.time_loop",
            "--commit",
            single,
            "-n",
            "200",
            "-o",
            "/proc/no/such/dir/x.prof",
        ],
        ["blame", "--range", "HEAD..HEAD~3", "--no-build"],
        ["blame", "--range", "deadbeef..HEAD", "--no-build"],
        ["blame", "--machine", "nosuchbox", "--no-build"],
        ["blame", "--bench", "^nothing$", "--no-build"],
        ["profile", "--stored", "loops.SimpleCountdown.time_loop", "--commit", "cafebabe"],
    ):
        proc = stepped_run.cli(*args)
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        err = proc.stderr.strip().splitlines()
        assert len(err) == 1 and "error:" in err[0] and "Traceback" not in proc.stderr, args


def test_a_corrupt_profile_is_set_aside_and_the_run_goes_on(
    standin: StandinRepo, stepped_run: AsvProject, blamed, tmp_path: Path
) -> None:
    """On a copy of the stepped run (results, profiles, store): every profile of one
    culprit commit is garbage; blame moves them aside, says so, and still finds the
    step (instructions need no profile)."""
    copy = tmp_path / "copy"
    shutil.copytree(stepped_run.conf_dir, copy, ignore=shutil.ignore_patterns(".asv", "html"))
    project = AsvProject(copy, stepped_run.machine)
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

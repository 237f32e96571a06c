"""What is promised when files go bad or a benchmark hangs, at the unit tier: a
failed publish keeps the last good site, a corrupt machine.json is set aside under
a name of its own, a timed-out benchmark runs once per commit and is named with
its reason. (The store's promises: ``test_blame_store``, ``test_blame_stages``;
output paths and scratch directories: ``test_cli_errors``.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from asvtools import write_asv_conf
from cascade_bench import asv_plugin, backfill, results, site
from cascade_bench.asvconf import load_suite
from cascade_bench.commands import nightly
from cascade_bench.model import Blame
from cascade_bench.suite import SuiteError


def test_a_failed_publish_keeps_the_last_good_report(tmp_path: Path) -> None:
    # asv publish fails here: the repository is no git repository.
    (tmp_path / "norepo").mkdir()
    suite = load_suite(write_asv_conf(tmp_path / "suite", tmp_path / "norepo"))
    (suite.results_dir / "box").mkdir(parents=True)
    (suite.results_dir / "box" / "machine.json").write_text('{"machine": "box", "version": 1}')
    suite.html_dir.mkdir()
    (suite.html_dir / "index.html").write_text("the last good report")
    with pytest.raises(SuiteError, match=r"asv publish failed \(the report in .* is unchanged\)"):
        site.publish(suite)
    assert (suite.html_dir / "index.html").read_text() == "the last good report"
    assert sorted(p.name for p in suite.html_dir.parent.iterdir() if "html" in p.name) == ["html"]


def test_a_corrupt_machine_file_is_set_aside_and_never_overwrites_an_earlier_copy(
    tmp_path: Path,
) -> None:
    machine = tmp_path / "box" / "machine.json"
    machine.parent.mkdir()
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "machine.json").write_text('{"machine": "ok", "version": 1}')
    for content in ("", "[1]"):
        machine.write_text(content)
        results.set_aside_machine_files(tmp_path)
    assert not machine.exists() and (tmp_path / "ok" / "machine.json").is_file()
    assert machine.with_name("machine.json.corrupt").read_text() == ""
    assert machine.with_name("machine.json.1.corrupt").read_text() == "[1]"


def test_a_value_that_ran_out_its_timeout_says_so() -> None:
    assert results.failure_reason(240.3, 240.0).startswith("timed out (asv stopped it after 240 s")
    assert results.failure_reason(3.0, 240.0).startswith("failed")
    assert results.failure_reason(None, None).startswith("failed")


class _Spawner:
    pass


def test_a_benchmark_that_timed_out_is_not_run_again_at_that_commit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asv import util
    from asv.runner import BenchmarkResult

    ran = []

    def hangs(benchmark: dict, spawner: object, param_idx: int, **kwargs: object):
        ran.append((spawner, param_idx))
        return BenchmarkResult([None], [None], [None], util.TIMEOUT_RETCODE, "timed out", None)

    monkeypatch.setattr(asv_plugin, "_original_single", hangs)
    bench = {"name": "loops.X.time_loop", "timeout": 240}
    one, other = _Spawner(), _Spawner()  # asv runs a commit's rounds with one spawner
    for _round in range(2):
        res = asv_plugin._once_past_timeout(bench, one, 1, extra_params={}, profile=False, cwd=None)
        assert res.result == [None] and res.errcode == util.TIMEOUT_RETCODE
    assert "not run again at this commit" in res.stderr
    asv_plugin._once_past_timeout(bench, one, 0, extra_params={}, profile=False, cwd=None)
    asv_plugin._once_past_timeout(bench, other, 1, extra_params={}, profile=False, cwd=None)
    assert ran == [(one, 1), (one, 0), (other, 1)]  # another size, another commit: run


def test_the_nights_summary_names_what_failed_and_why() -> None:
    failed = [results.Point("ab" * 20, "loops.HeavyJumpLoop.time_loop", ("1000",),
                            results.FAILED, results.failure_reason(240.0, 240.0))]  # fmt: skip
    text = nightly.summarize("box", ["ab" * 20], backfill.Backfilled(), Blame("box", "t", []),
                             None, set(), [], failed)  # fmt: skip
    assert "1 series failed at new commits:" in text
    assert "`loops.HeavyJumpLoop.time_loop(1000)` at `abababab`: timed out" in text




@pytest.mark.parametrize("measured", [1, 7])
def test_a_night_that_compared_nothing_never_says_no_regression(measured: int) -> None:
    new = ["ab" * 20]
    filled = backfill.Backfilled(["cd" * 20] * (measured - 1), seconds=60.0, budget=900.0)
    text = nightly.summarize("box", new, filled, Blame("box", "t", []), Blame("box", "t", []),
                             set(), [], compared=False, measured=measured)  # fmt: skip
    first = text.splitlines()[0]
    assert "no regression" not in text
    if measured == 1:
        assert first == "## Nightly: nothing to compare yet: one commit measured"
    else:
        assert first == "## Nightly: baseline: 7 commits measured; 0 culprit commit(s) among them"
    if measured == 7:
        assert ("Back-filled 6 older commit(s) in 60 s (until 900 s into the night; blame "
                "narrows with the rest of the budget): 6 with workloads, 0 before any workload "
                "(n/a).") in text  # fmt: skip
    compared = nightly.summarize("box", new, backfill.Backfilled(), Blame("box", "t", []), None,
                                 set(), [])  # fmt: skip
    assert compared.splitlines()[0] == "## Nightly: no regression in new commits"

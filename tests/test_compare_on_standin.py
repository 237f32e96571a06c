"""``cascade-bench compare BASE HEAD`` (pull-request mode) on the stand-in.

A commit that slows ``_normalize_args`` is named, with that function, and fails
the comparison; a docs-only commit passes: the side-by-side verdict must not
turn this machine's process-to-process noise into a regression.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from asvtools import AsvProject, make_asv_project
from standin.repo import StandinRepo

# Side-by-side rounds: the fewest compare allows (production: 8); each round installs
# both commits.
ROUNDS = "6"


@pytest.fixture(scope="module")
def compare_project(
    standin: StandinRepo, tmp_path_factory: pytest.TempPathFactory, shared_envs: Path
) -> AsvProject:
    # The committed config's relative paths: a comparison's derived config must
    # still find the benchmarks, the installer and the plugin.
    return make_asv_project(
        tmp_path_factory.mktemp("compare"), standin.path, relative=True, envs=shared_envs
    )


def test_slowdown_fails_and_names_the_function(
    standin: StandinRepo, compare_project: AsvProject
) -> None:
    base, head = standin.commits["single"], standin.commits["slow_resolver"]
    md = compare_project.conf_dir / "slow.md"
    bench = r"^(loops|calls)\.SimpleCountdown\."
    kept = compare_project.conf_dir / "pr-results"
    proc = compare_project.cli("compare", base, head, "--bench", bench, "--rounds", ROUNDS,
                               "--markdown", str(md), "--results", str(kept))  # fmt: skip
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert head[:8] in out and "_normalize_args" in out, out
    assert f"confirmed side by side ({ROUNDS} rounds each, separated)" in md.read_text(), out
    # Measured in a results directory of its own, on a machine it names: the
    # history's results (here: none yet) are never written by a comparison.
    assert (f"compare: {base[:8]} vs {head[:8]} on machine {compare_project.machine}, "
            f"results kept in {kept.resolve() / 'results'}") in proc.stderr  # fmt: skip
    assert "built 2 commit(s) for this run" in proc.stdout  # what it installed, not 0
    # Progress, a line per round and commit (stderr is no terminal here).
    assert f"compare 1/{2 * int(ROUNDS) + 2}: wall time, round 1 of {ROUNDS}: " in proc.stderr
    assert not list(compare_project.results_dir.rglob("*.json")), "compare wrote into the history"
    assert not list(compare_project.profiles_dir.rglob("*.prof.gz"))
    # ... and filed under the machine it named (the suite's plugin ran there).
    assert list((kept / "results" / compare_project.machine).glob(f"{head[:8]}-*.json"))
    assert list((kept / "profiles" / compare_project.machine).glob(f"{head[:8]}-*/*/n=*.prof.gz"))


def test_bench_matching_nothing_is_an_error(
    standin: StandinRepo, compare_project: AsvProject
) -> None:
    base, head = standin.commits["gap_a"], standin.commits["gap_b"]
    proc = compare_project.cli("compare", base, head, "--bench", r"^loops\.NoSuchLoop\.")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = proc.stderr.strip().splitlines()
    assert "matches no benchmark" in err[-1] and "Traceback" not in proc.stderr


def test_docs_only_commit_passes(standin: StandinRepo, compare_project: AsvProject) -> None:
    base, head = standin.commits["gap_a"], standin.commits["gap_b"]
    bench = r"^(loops|calls)\.ExplicitJumpLoop\."
    proc = compare_project.cli("compare", base, head, "--bench", bench, "--rounds", ROUNDS)
    assert proc.returncode == 0, proc.stdout + proc.stderr

"""The GitHub workflows pass actionlint with shellcheck (which must also catch a broken
one), never expand an expression inside a shell script, and publish only a site that
exists."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from asvtools import PROJECT

WORKFLOWS = sorted((PROJECT / ".github" / "workflows").glob("*.yml"))
# Beside the interpreter running the tests, never only on PATH: the README's test
# command runs the virtualenv's python without activating it, and CI's PATH holds
# only system directories (.ci/run).
ACTIONLINT = Path(sys.executable).parent / "actionlint"
SHELLCHECK = Path(sys.executable).parent / "shellcheck"


def _lint(*paths: Path) -> subprocess.CompletedProcess:
    assert ACTIONLINT.is_file(), f"{ACTIONLINT}: actionlint is installed with the test extras"
    assert SHELLCHECK.is_file(), f"{SHELLCHECK}: shellcheck is installed with the test extras"
    return subprocess.run(
        [str(ACTIONLINT), "-shellcheck", str(SHELLCHECK), "-pyflakes=", *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_workflows_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"nightly.yml", "compare.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_is_clean(workflow: Path) -> None:
    proc = _lint(workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "nightly.yml"
    broken.parent.mkdir(parents=True)
    text = (PROJECT / ".github" / "workflows" / "nightly.yml").read_text()
    broken.write_text(
        text.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    bogus-key: 1", 1)
    )
    assert _lint(broken).returncode != 0


def test_shellcheck_runs_on_run_scripts(tmp_path: Path) -> None:
    """actionlint really hands ``run:`` scripts to shellcheck (an unquoted variable)."""
    broken = tmp_path / ".github" / "workflows" / "nightly.yml"
    broken.parent.mkdir(parents=True)
    text = (PROJECT / ".github" / "workflows" / "nightly.yml").read_text()
    broken.write_text(text.replace('--machine "$ASV_MACHINE"', "--machine $ASV_MACHINE", 1))
    proc = _lint(broken)
    assert proc.returncode != 0 and "shellcheck" in proc.stdout, proc.stdout + proc.stderr


# Expressions whose value someone outside the workflow chooses (a caller's inputs, a
# pull request's title or branch): expanded inside a script they become shell code.
# They reach scripts through env: and "$VAR" only; so does every other expression.
EXPRESSION = re.compile(r"\$\{\{")


def _scripts(doc: dict) -> Iterator[tuple[str, str]]:
    for job_name, job in (doc.get("jobs") or {}).items():
        for i, step in enumerate(job.get("steps") or []):
            if "run" in step:
                yield f"{job_name}.steps[{i}] {step.get('name', '')}", step["run"]


def _expressions_in_scripts(path: Path) -> list[str]:
    doc = yaml.safe_load(path.read_text())
    return [where for where, script in _scripts(doc) if EXPRESSION.search(script)]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_no_expression_is_expanded_inside_a_run_script(workflow: Path) -> None:
    assert _expressions_in_scripts(workflow) == []


def test_the_script_check_catches_inputs_and_event_fields(tmp_path: Path) -> None:
    for expr in ("inputs.repository", "github.event.pull_request.title", "github.head_ref"):
        bad = tmp_path / f"{expr}.yml"
        bad.write_text(
            "on: push\njobs:\n  j:\n    runs-on: ubuntu-24.04\n    steps:\n"
            f'      - run: |\n          echo start\n          git clone "${{{{ {expr} }}}}"\n'
        )
        assert _expressions_in_scripts(bad) == ["j.steps[0] "]


def _nightly() -> dict:
    return yaml.safe_load((PROJECT / ".github" / "workflows" / "nightly.yml").read_text())


def _step(job: dict, uses: str) -> dict:
    return next(s for s in job["steps"] if s.get("uses", "").startswith(uses))


@pytest.mark.parametrize("built", [True, False], ids=["site built", "quiet night"])
def test_pages_deploy_only_a_site_that_exists(tmp_path: Path, built: bool) -> None:
    """A night that publishes nothing (no html/index.html) uploads and deploys nothing,
    instead of failing the deploy; a night that published deploys it."""
    night = _nightly()["jobs"]["night"]
    check = next(s for s in night["steps"] if s.get("id") == "site")
    if built:
        (tmp_path / "html").mkdir()
        (tmp_path / "html" / "index.html").write_text("<html></html>")
    output = tmp_path / "github_output"
    output.touch()
    subprocess.run(
        ["bash", "-e", "-c", check["run"]],
        cwd=tmp_path,
        env={"GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    assert output.read_text().split() == [f"exists={str(built).lower()}"]
    assert check.get("if") == "always()"  # also after a failed night
    upload = _step(night, "actions/upload-pages-artifact")
    assert "steps.site.outputs.exists == 'true'" in upload["if"]
    assert night["outputs"]["site"] == "${{ steps.site.outputs.exists }}"
    assert "needs.night.outputs.site == 'true'" in _nightly()["jobs"]["pages"]["if"]


def test_the_pr_gate_counts_instructions_and_comments_on_the_pr() -> None:
    doc = yaml.safe_load((PROJECT / ".github" / "workflows" / "compare.yml").read_text())
    inputs = doc[True]["workflow_call"]["inputs"]  # YAML 1.1 reads the key `on` as True
    bench = re.compile(inputs["bench"]["default"])
    for name in ("instructions.HeavyJumpLoop.track_instructions_per_iteration(200)",
                 "loops.HeavyJumpLoop.time_loop(1000)",
                 "calls.HeavyJumpLoop.track_calls_per_iteration(1000)"):  # fmt: skip
        assert bench.search(name), name
    job = doc["jobs"]["compare"]
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert "cascade-bench comment" in runs and "--markdown report.md" in runs

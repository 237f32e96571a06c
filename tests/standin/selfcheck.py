"""Self-check: install every stand-in commit in a fresh venv and run the probe.

Run from the repository root: ``python -m tests.standin.selfcheck [--n N]``.
Needs network access to PyPI once (``pip install hatchling``). Prints a table
of per-iteration times (µs) and calls, and every mismatch with ``StandinRepo.expected``;
exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from .render import STUB_INIT
from .repo import (
    LABELS,
    WORKLOADS,
    Change,
    CommitExpectation,
    StandinRepo,
    append_neutral,
    append_slowdown,
    build_standin_repo,
)

PROBE = Path(__file__).with_name("probe.py")
PIP = ("-m", "pip", "--disable-pip-version-check", "-q")


def _run(*cmd: str | Path, path: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd``; ``path`` goes first on the child's PYTHONPATH."""
    env = dict(os.environ, PYTHONPATH=str(path)) if path else None
    return subprocess.run(
        [str(c) for c in cmd], env=env, capture_output=True, text=True, check=False
    )


def make_venv(path: Path) -> Path:
    """Create a venv with hatchling; return its python."""
    venv.create(path, with_pip=True)
    python = path / "bin" / "python"
    proc = _run(python, *PIP, "install", "hatchling")
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    return python


def clean_cascade(python: Path) -> None:
    """Uninstall every cascade* distribution and remove site-packages/cascade."""
    listing = json.loads(_run(python, *PIP[:-1], "list", "--format=json").stdout)
    names = [d["name"] for d in listing if d["name"].lower().startswith("cascade")]
    if names:
        _run(python, *PIP, "uninstall", "-y", *names)
    shutil.rmtree(site_packages(python) / "cascade", ignore_errors=True)


def site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(_run(python, "-c", code).stdout.strip())


def install(python: Path, src: Path) -> str | None:
    """Install a checkout by the suite's recipe; return an error or None."""
    clean_cascade(python)
    base = (python, *PIP, "install", "--no-deps", "--no-build-isolation")
    members = sorted(p for p in (src / "packages").glob("*") if p.is_dir())
    if not members:
        proc = _run(*base, src)
        return proc.stderr[-400:] if proc.returncode else None
    facades = [m for m in members if (m / "src/cascade/__init__.py").read_text() != STUB_INIT]
    if len(facades) != 1:
        return f"expected one facade, found {facades}"
    for member in members:
        if member != facades[0]:
            proc = _run(*base, member)
            if proc.returncode:
                return f"{member.name}: {proc.stderr[-400:]}"
    proc = _run(*base, "--force-reinstall", facades[0])
    return f"{facades[0].name}: {proc.stderr[-400:]}" if proc.returncode else None


def checkout(repo: Path, sha: str, dest: Path) -> Path:
    """Export commit ``sha`` of ``repo`` into a fresh ``dest``."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", sha], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def _key(change: Change) -> str:
    return f"{change.file}:{change.function.rsplit('.', 1)[-1]}"


def check_commit(exp: CommitExpectation, report: dict | None, error: str | None) -> list[str]:
    """Compare one commit's probe report with its expectation."""
    problems = []
    if (error is None) != exp.install_ok:
        problems.append(f"install ok={error is None}, expected {exp.install_ok}")
    if report is None:
        return problems
    for name in WORKLOADS:
        want = "absent" if name not in exp.exists else "fail" if name in exp.fails else "ok"
        got = report["workloads"][name]["status"]
        if got != want:
            problems.append(f"{name}: {got}, expected {want}")
    api = report["api"]
    if api["has_tailcall"] != (exp.tailcall_module is not None):
        problems.append(f"has_tailcall={api['has_tailcall']}")
    if (api["use_vm_kw"] == "TypeError") == ("vm" in exp.exists):
        problems.append(f"use_vm keyword: {api['use_vm_kw']}")
    if not api["lazy_result"]:
        problems.append("LazyResult attributes")
    if "jump" in exp.exists:
        if api.get("implicit_tco") != "StaticGraphError":
            problems.append(f"implicit TCO: {api.get('implicit_tco')}")
        if not api.get("dict_override"):
            problems.append("Jump dict data did not override kwargs")
    for change in exp.changes:
        key = _key(change)
        if change.kind in ("speedup", "cost"):
            continue
        for name in change.workloads:
            profile = report["workloads"][name].get("profile", {})
            if key not in profile:
                problems.append(f"{name}: {key} not in profile")
    return problems


def _ratio(reports: dict, a: str, b: str, name: str) -> float:
    return (
        reports[b]["workloads"][name]["us_per_iter"] / reports[a]["workloads"][name]["us_per_iter"]
    )


def _calls(report: dict, name: str, key: str = "<total>") -> float:
    """Calls per iteration of ``key`` (a profile key, or the total) in ``name``."""
    return report["workloads"][name]["profile"].get(key, (0, 0.0))[0]


# Timing steps of the history: bounds on the factor (slower, or faster for a
# speed-up) per workload of the change. Any other step of the history: 2.5-6x.
STEP_BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "churn_slow": {"simple": (3, 12), "heavy": (1.5, 12)},
    "churn_partial": {"simple": (1.6, 2.5), "heavy": (1.15, 2.5)},
    "born_slow": {"jump": (3, 8), "heavy_jump": (1.5, 8)},
    # On top of born_slow's slowdown, so a smaller factor.
    "gap_slow": {"jump": (1.5, 6), "heavy_jump": (1.5, 6)},
    # Too small for a timing verdict (under the 10 % threshold); instructions see it.
    "subtle_slow": {"jump": (0.85, 1.3), "heavy_jump": (0.85, 1.3)},
}
# (label, earlier label, workload, min factor): label stays that much slower.
STAYS_SLOWER = (("churn_partial", "speedup", "simple", 2.0),)
# Steps without a timing change (docs, renames, call-count-only hooks) stay
# within this factor on every workload.
NEUTRAL = 1.5


def _check_calls(prev: dict, report: dict, label: str, changes: tuple[Change, ...]) -> list[str]:
    """Calls per iteration change exactly on the changes' workloads, by the
    helper's calls (3 per call of the caller for a call-count-only change)."""
    problems = []
    changes = tuple(c for c in changes if c.kind != "cost")  # more work, the same calls
    touched = {name for change in changes for name in change.workloads}
    for name in WORKLOADS:
        if any(r["workloads"][name]["status"] != "ok" for r in (prev, report)):
            continue
        delta = _calls(report, name) - _calls(prev, name)
        if (delta != 0) != (name in touched):
            problems.append(f"{label}/{name}: {delta:+g} calls per iter, changes say {touched}")
        if name not in touched:
            continue
        helper = changes[-1]
        helper_delta = _calls(report, name, _key(helper)) - _calls(prev, name, _key(helper))
        if helper_delta == 0 or (helper_delta > 0) != (delta > 0):
            problems.append(f"{label}/{name}: {_key(helper)} {helper_delta:+g}, total {delta:+g}")
        if helper.kind == "calls":
            caller = _calls(report, name, _key(changes[0])) if len(changes) > 1 else 0
            want = 3 * max(1, caller)  # the caller runs per iteration or loops itself
            if not helper_delta == delta == want:
                problems.append(
                    f"{label}/{name}: {delta:+g} calls, {helper_delta:+g} to the hook, want {want}"
                )
        before = _calls(prev, name, _key(helper))
        after = _calls(report, name, _key(helper))
        if helper.kind == "speedup" and after and after != before / 2:  # partial speed-up
            problems.append(f"{label}/{name}: {_key(helper)} {before:g} -> {after:g}, not half")
    return problems


def check_history(repo: StandinRepo, reports: dict) -> list[str]:
    """Cross-commit checks: timing steps and exact call-count deltas."""
    problems = []
    labels = list(repo.commits)
    for prev, label in itertools.pairwise(labels):
        if label not in reports or prev not in reports:
            continue
        changes = repo.expected[label].changes
        problems += _check_calls(reports[prev], reports[label], label, changes)
        both = [
            name
            for name in WORKLOADS
            if reports[prev]["workloads"][name]["status"] == "ok"
            and reports[label]["workloads"][name]["status"] == "ok"
        ]
        if not changes or changes[0].kind == "calls":  # no timing change: no step either
            for name in both:
                ratio = _ratio(reports, prev, label, name)
                if not 1 / NEUTRAL <= ratio <= NEUTRAL:
                    problems.append(f"{label}/{name}: x{ratio:.2f} without a timing change")
            continue
        change = changes[0]
        ratios = {}
        for name in change.workloads:
            ratio = _ratio(reports, prev, label, name)
            ratios[name] = 1 / ratio if change.kind == "speedup" else ratio
        if label in LABELS:  # the history's steps: see STEP_BOUNDS
            for name, r in ratios.items():
                low, high = STEP_BOUNDS.get(label, {}).get(name, (2.5, 6))
                if not low <= r <= high:
                    problems.append(f"{label}/{name}: {change.kind} x{r:.2f}, not {low}-{high}")
        elif max(ratios.values()) < 1.5:  # appended: must show somewhere
            problems.append(f"{label}: {change.kind} only {ratios}")
    for label, earlier, name, least in STAYS_SLOWER:
        if label in reports and earlier in reports:
            ratio = _ratio(reports, earlier, label, name)
            if ratio < least:
                problems.append(f"{label}/{name}: only x{ratio:.2f} slower than at {earlier}")
    return problems


def _row(label: str, report: dict | None, failed: bool, calls: bool = False) -> str:
    cells = []
    for name in WORKLOADS:
        if report is None:
            cells.append("INSTALL-FAIL" if failed else "-")
            continue
        item = report["workloads"][name]
        if item["status"] != "ok":
            cells.append(item["status"])
        else:
            cells.append(f"{_calls(report, name):g}" if calls else f"{item['us_per_iter']:.1f}")
    return f"{label:16}" + "".join(f"{c:>13}" for c in cells)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds (min is kept)")
    parser.add_argument("--keep", type=Path, help="work in this dir and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="standin-check-"))
    work.mkdir(parents=True, exist_ok=True)
    repo = build_standin_repo(work / "repo")
    again = build_standin_repo(work / "repo-again")
    problems = [] if again.commits == repo.commits else ["hashes not reproducible"]
    append_neutral(repo, "nightly_neutral")
    append_slowdown(repo, "nightly_slow", "NativeSolver.resolve")
    python = make_venv(work / "venv")

    root = checkout(repo.path, repo.commits["monorepo"], work / "src")
    proc = _run(python, *PIP, "install", "--no-build-isolation", "--dry-run", root)
    if proc.returncode == 0:
        problems.append("root `pip install .` succeeded at a monorepo commit")

    reports: dict[str, dict] = {}
    for label, sha in repo.commits.items():
        src = checkout(repo.path, sha, work / "src")
        if importlib.util.find_spec("ruff") and repo.expected[label].install_ok:
            lint = _run(sys.executable, "-m", "ruff", "check", "--isolated", "-q", src)
            if lint.returncode:
                problems.append(f"{label}: ruff: {lint.stdout[:300]}")
        error = install(python, src)
        report = None
        if error is None:
            proc = _run(python, PROBE, str(args.n), str(args.repeats))
            if proc.returncode:
                problems.append(f"{label}: probe crashed: {proc.stderr[-400:]}")
            else:
                report = reports[label] = json.loads(proc.stdout)
                # Snapshot the installed package for the timing rounds.
                shutil.copytree(site_packages(python) / "cascade", work / label / "cascade")
        problems += [f"{label}: {p}" for p in check_commit(repo.expected[label], report, error)]
    # Timing rounds interleave commits, so machine noise hits all alike.
    clean_cascade(python)
    for _ in range(args.rounds - 1):
        for label, report in reports.items():
            proc = _run(python, PROBE, str(args.n), str(args.repeats), path=work / label)
            for name, item in json.loads(proc.stdout)["workloads"].items():
                if item["status"] == "ok":
                    old = report["workloads"][name]
                    old["us_per_iter"] = min(old["us_per_iter"], item["us_per_iter"])
    for title, calls in (("µs/iter", False), ("calls/iter", True)):
        print(f"{title:16}" + "".join(f"{w:>13}" for w in WORKLOADS))
        for label in repo.commits:
            print(_row(label, reports.get(label), label not in reports, calls))
    problems += check_history(repo, reports)
    print("\n".join(problems) or "all checks passed")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

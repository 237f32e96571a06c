"""Running the real ``asv`` on the suite against a generated (or local) repository.

Each project gets its own directory (asv's working directory: config, results,
profiles, environments, html) and its own HOME, so ``~/.asv-machine.json`` of the
person running the tests is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
MACHINE = "testbox"
# Cleared by tests/conftest.py while a test not marked e2e runs: a test that starts asv
# (or the CLI in a project) without an e2e fixture fails, instead of slowing the inner
# loop unseen.
E2E_ALLOWED = True


@dataclass
class AsvProject:
    conf_dir: Path
    machine: str = MACHINE
    last_output: str = ""

    @property
    def results_dir(self) -> Path:
        return self.conf_dir / "results"

    @property
    def profiles_dir(self) -> Path:
        return self.conf_dir / "profiles"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        home = self.conf_dir / "home"
        home.mkdir(exist_ok=True)
        # Keep pip's wheel cache: environments are created from the same wheels.
        env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
        env["HOME"] = str(home)
        env.pop("CASCADE_BENCH_PROFILE_DIR", None)
        return env

    def run(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        """Any command (asv, cascade-bench, ...) in the project directory."""
        if not E2E_ALLOWED:
            raise AssertionError(
                f"{' '.join(args[1:4])}: runs in an asv project, so the test must use an "
                "e2e fixture (tests/conftest.py)"
            )
        return subprocess.run(
            list(args),
            cwd=self.conf_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def asv(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "asv", *args, timeout=timeout)

    def cli(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
        return self.run(sys.executable, "-m", "cascade_bench.cli", *args, timeout=timeout)


def write_asv_conf(dest: Path, repo: Path, *, relative: bool = False) -> Path:
    """The committed asv.conf.json in ``dest`` with only the repository swapped for
    ``repo``, and the suite's plugin beside it; asv itself is not run. ``relative``
    keeps the committed relative paths (``benchmarks``, ``{conf_dir}/envtools``),
    linking those directories into ``dest``, as a checkout of this repository has them."""
    dest.mkdir(parents=True, exist_ok=True)
    conf = json.loads((PROJECT / "asv.conf.json").read_text())
    conf["repo"] = str(repo)
    if relative:
        for name in ("benchmarks", "envtools"):
            (dest / name).symlink_to(PROJECT / name)
    else:
        conf["benchmark_dir"] = str(PROJECT / "benchmarks")
        for key in ("install_command", "uninstall_command"):
            conf[key] = [c.replace("{conf_dir}", str(PROJECT)) for c in conf[key]]
    (dest / "asv.conf.json").write_text(json.dumps(conf, indent=2))
    shutil.copy(PROJECT / "cascade_bench_asv.py", dest)  # asv loads ".plugin" from here
    return dest / "asv.conf.json"


def make_asv_project(
    dest: Path,
    repo: Path,
    machine: str = MACHINE,
    *,
    relative: bool = False,
    envs: Path | None = None,
) -> AsvProject:
    """A project over ``repo`` (``write_asv_conf``) whose machine asv knows.

    ``envs``: a directory of asv environments shared with other projects (the
    conftest's ``shared_envs``), linked in as the project's ``.asv/env``; the config
    and the project's lock (``.asv/env.lock``) stay its own. asv builds the
    virtualenv once and reinstalls whichever commit a project asks for."""
    write_asv_conf(dest, repo, relative=relative)
    if envs is not None:
        (dest / ".asv").mkdir()
        (dest / ".asv" / "env").symlink_to(envs, target_is_directory=True)
    project = AsvProject(dest, machine)
    proc = project.asv("machine", "--yes", "--machine", machine)
    assert proc.returncode == 0, proc.stderr
    return project


def copy_project(
    project: AsvProject, dest: Path, *, ignore: tuple[str, ...] = ("html",)
) -> AsvProject:
    """A copy of ``project`` at ``dest`` (config, HOME, results, profiles, blame store;
    not ``ignore``) to change without changing the original. Its environments are the
    original's, linked (never copied: a virtualenv does not move)."""
    shutil.copytree(project.conf_dir, dest, ignore=shutil.ignore_patterns(".asv", *ignore))
    envs = project.conf_dir / ".asv" / "env"
    if envs.is_dir():
        (dest / ".asv").mkdir()
        (dest / ".asv" / "env").symlink_to(envs.resolve(), target_is_directory=True)
    return AsvProject(dest, project.machine)

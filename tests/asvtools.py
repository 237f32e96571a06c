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


def make_asv_project(
    dest: Path, repo: Path, machine: str = MACHINE, *, relative: bool = False
) -> AsvProject:
    """The committed asv.conf.json with only the repository swapped for ``repo``.
    ``relative`` keeps the committed relative paths (``benchmarks``,
    ``{conf_dir}/envtools``), linking those directories into ``dest``, as a
    checkout of this repository has them."""
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
    project = AsvProject(dest, machine)
    proc = project.asv("machine", "--yes", "--machine", machine)
    assert proc.returncode == 0, proc.stderr
    return project

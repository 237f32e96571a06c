"""The asv configuration as the host-side tools need it: paths, repository, environments."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from asv.config import Config
from asv.machine import Machine, MachineCollection
from asv.util import UserError

from . import results
from .suite import SuiteError


@dataclass(frozen=True)
class Suite:
    """One asv configuration, resolved against the directory asv runs in."""

    config_path: Path
    conf: Config

    @property
    def conf_dir(self) -> Path:
        # asv resolves relative paths against its working directory, which
        # by convention is the config's directory.
        return self.config_path.parent

    def path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else self.conf_dir / p

    @property
    def results_dir(self) -> Path:
        return self.path(self.conf.results_dir)

    @property
    def html_dir(self) -> Path:
        return self.path(self.conf.html_dir)

    @property
    def repo_dir(self) -> Path:
        """A local git directory holding Cascade's history (the repo, or asv's mirror)."""
        repo = self.path(self.conf.repo)
        if repo.is_dir():
            return repo
        mirror = self.path(self.conf.project)
        if mirror.is_dir():
            return mirror
        raise SuiteError(
            f"no local copy of {self.conf.repo}: run 'asv run' once, or "
            f"'git clone --mirror /path/to/Cascade {self.conf.project}'"
        )

    def git(self, *args: str) -> str:
        proc = subprocess.run(
            ["git", "-C", str(self.repo_dir), *args], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            raise SuiteError(f"git {' '.join(args)}: {proc.stderr.strip().splitlines()[-1:]}")
        return proc.stdout

    def machine(self, given: str | None = None) -> str:
        """``given``, else the one machine the results hold, else the machine
        ``asv run`` would use (the host name, or the only one in ~/.asv-machine.json)."""
        if given:
            return given
        found = results.machines(self.results_dir)
        if len(found) == 1:
            return found[0]
        name = Machine.get_unique_machine_name()
        try:
            return MachineCollection.load(name)["machine"]
        except (UserError, OSError, ValueError, KeyError, TypeError):
            return name

    def resolve_commit(self, rev: str) -> str:
        """Full hash of ``rev``; a one-line error for anything git does not know."""
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(self.repo_dir),
                "rev-parse",
                "--verify",
                "--quiet",
                f"{rev}^{{commit}}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise SuiteError(f"unknown commit {rev!r} in {self.repo_dir}")
        return proc.stdout.strip()


def load_suite(config: str | Path = "asv.conf.json") -> Suite:
    path = Path(config).resolve()
    if not path.is_file():
        raise SuiteError(f"asv config {config} not found (run from the suite's directory)")
    try:
        conf = Config.load(str(path))
    except (UserError, json.JSONDecodeError, ValueError) as exc:
        raise SuiteError(f"bad asv config {config}: {exc}") from None
    return Suite(path, conf)

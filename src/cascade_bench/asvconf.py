"""The asv configuration as the host-side tools need it: paths, repository, environments."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from asv import util as asv_util
from asv.config import Config
from asv.machine import Machine, MachineCollection
from asv.util import UserError

from . import results
from .suite import SuiteError, profile_store

DERIVED_CONFIG = "asv.conf.json"  # a derived suite's config, inside its own directory


@dataclass(frozen=True)
class Suite:
    """One asv configuration, resolved against the directory asv runs in."""

    config_path: Path
    conf: Config
    # A derived suite (``derived``) keeps the original's directory for the host-side
    # tools; asv itself runs in the derived directory (its config's), see ``derived``.
    base: Path | None = None
    profile_dir: Path | None = None

    @property
    def conf_dir(self) -> Path:
        """The directory asv runs in: relative paths in the config resolve against it
        (by convention the config's own directory)."""
        return self.base or self.config_path.parent

    @property
    def profile_root(self) -> Path:
        """Where this suite's benchmark processes write profiles (see _profile_store)."""
        return self.profile_dir or profile_store().root_for(self.conf_dir)

    @property
    def blame_dir(self) -> Path:
        """The blame store, beside the results it describes: ``<results_dir>/../blame``."""
        return self.results_dir.parent / "blame"

    @property
    def default_timeout(self) -> float | None:
        """asv's timeout of a benchmark that sets none (``default_benchmark_timeout``)."""
        value = getattr(self.conf, "default_benchmark_timeout", None)
        return float(value) if isinstance(value, (int, float)) else None

    @property
    def env_dir(self) -> Path:
        return self.path(self.conf.env_dir)

    @property
    def lock_path(self) -> Path:
        """One lock for everything that installs into these environments or writes
        these results (the environments and the results belong together)."""
        return self.env_dir.with_name(self.env_dir.name + ".lock")

    def refuse_inside(self, directory: Path, flag: str) -> None:
        """A scratch directory (a shard's, a comparison's) must not lie in what the
        history keeps (results, html, profiles, blame store, environments): CI
        commits those, and a run there would mix into them."""
        where = Path(directory).resolve()
        kept = {"results": self.results_dir, "html": self.html_dir,
                "profiles": self.profile_root, "blame": self.blame_dir,
                "environments": self.env_dir}  # fmt: skip
        for what, d in kept.items():
            d = Path(d).resolve()
            if where == d or d in where.parents:
                raise SuiteError(f"{flag} {directory}: inside the history's {what} directory {d}")
            if where in d.parents and what != "environments":
                raise SuiteError(f"{flag} {directory}: holds the history's {what} directory {d}")

    def derived(self, directory: Path, *, share_envs: bool) -> Suite:
        """The same suite with its own results, profiles and html under ``directory``
        (side-by-side runs, pull-request comparisons, back-fill shards), so what it
        measures never touches this suite's history. ``share_envs`` reuses this
        suite's environments (the caller then holds this suite's lock); otherwise
        the derived suite builds its own under ``directory/env`` and can run in
        parallel with this one."""
        directory = Path(directory).resolve()
        directory.mkdir(parents=True, exist_ok=True)
        doc = asv_util.load_json(str(self.config_path), js_comments=True)
        doc["results_dir"] = str(directory / "results")
        doc["html_dir"] = str(directory / "html")
        doc["env_dir"] = str(self.env_dir if share_envs else directory / "env")
        # asv chdirs to the config's directory: every path of the original must stay
        # valid from there (benchmarks, {conf_dir} in commands, a dotted plugin).
        doc["benchmark_dir"] = str(self.path(self.conf.benchmark_dir).resolve())
        for key in ("build_command", "install_command", "uninstall_command"):
            if isinstance(doc.get(key), list):
                doc[key] = [c.replace("{conf_dir}", str(self.conf_dir)) for c in doc[key]]
        for plugin in doc.get("plugins", []):
            shim = self.conf_dir / f"{plugin[1:]}.py"
            if plugin.startswith(".") and shim.is_file():
                shutil.copyfile(shim, directory / shim.name)
        if self.path(self.conf.repo).is_dir():
            doc["repo"] = str(self.path(self.conf.repo).resolve())
        elif self.path(self.conf.project).is_dir():  # asv's mirror of a remote repository
            doc["repo"] = str(self.path(self.conf.project).resolve())
        config_path = directory / DERIVED_CONFIG
        config_path.write_text(json.dumps(doc, indent=4) + "\n", encoding="utf-8")
        return Suite(config_path, Config.from_json(doc), self.conf_dir, directory / "profiles")

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

    def machine(
        self, given: str | None = None, *, otherwise: Callable[[list[str]], str] | None = None
    ) -> str:
        """``given``, else the one machine the results hold, else ``otherwise(held)``
        (``held``: the machines the results hold, none or several), by default the
        machine ``asv run`` would use. The one rule of every command's ``--machine``."""
        if given:
            return given
        found = results.machines(self.results_dir)
        if len(found) == 1:
            return found[0]
        return (otherwise or _asv_machine)(found)

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


def _asv_machine(_held: list[str]) -> str:
    """The machine ``asv run`` would use: the host name, or the only one in
    ~/.asv-machine.json."""
    name = Machine.get_unique_machine_name()
    try:
        return MachineCollection.load(name)["machine"]
    except (UserError, OSError, ValueError, KeyError, TypeError):
        return name


def require_machine(machine: str) -> None:
    """asv runs only under a machine described in ~/.asv-machine.json: checked before
    any lock is taken or asv started."""
    try:
        MachineCollection.load(machine)
    except (UserError, OSError, ValueError) as exc:
        raise SuiteError(
            f"machine {machine!r} unknown to asv ({str(exc).splitlines()[0]}): run "
            f"'asv machine --yes --machine {machine}' first"
        ) from None


def load_suite(config: str | Path = "asv.conf.json") -> Suite:
    path = Path(config).resolve()
    if not path.is_file():
        raise SuiteError(f"asv config {config} not found (run from the suite's directory)")
    try:
        conf = Config.load(str(path))
    except (UserError, json.JSONDecodeError, ValueError) as exc:
        raise SuiteError(f"bad asv config {config}: {exc}") from None
    _check_types(conf, config)
    return Suite(path, conf)


_STR = ("repo", "project", "results_dir", "html_dir", "env_dir", "benchmark_dir", "dvcs")
_STR_LIST = ("branches", "pythons", "plugins", "install_command", "uninstall_command",
             "build_command")  # fmt: skip
_NUMBER = ("default_benchmark_timeout", "install_timeout")


def _check_types(conf: Config, config: str | Path) -> None:
    """The fields the suite reads, of the type asv documents: a wrong one is named
    here in one line, not met later as an AttributeError."""

    def bad(field: str, expected: str) -> SuiteError:
        value = getattr(conf, field)
        return SuiteError(f"bad asv config {config}: {field!r} is {value!r}, expected {expected}")

    for name in _STR:
        if getattr(conf, name, None) is not None and not isinstance(getattr(conf, name), str):
            raise bad(name, "a string")
    for name in _STR_LIST:
        value = getattr(conf, name, None)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, (str, type(None))) for v in value)
        ):
            raise bad(name, "a list of strings")
    for name in _NUMBER:
        value = getattr(conf, name, None)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise bad(name, "a number of seconds")
    thresholds = getattr(conf, "regressions_thresholds", None) or {}
    if not isinstance(thresholds, dict) or not all(
        isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool)
        for k, v in thresholds.items()
    ):
        raise bad("regressions_thresholds", "an object of regex -> fraction")

"""asv's per-commit virtualenvs, used outside ``asv run`` (e.g. to profile one commit)."""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from asv import environment
from asv.util import UserError

from .asvconf import Suite
from .suite import ROOT, SuiteError

INSTALLER = ROOT / "envtools" / "install_cascade.py"
ASV_INSTALL_MARKER = "asv-install-status.json"  # asv's record of the installed commit


def python_of_first_env(suite: Suite) -> Path:
    """The first environment of the config (as ``asv find`` uses), created if missing."""
    try:
        env = next(iter(environment.get_environments(suite.conf, None)))
        env.create()
        return Path(env.find_executable("python"))
    except (UserError, StopIteration, OSError) as exc:
        raise SuiteError(f"cannot prepare the asv environment: {exc}") from None


@contextmanager
def checkout(suite: Suite, commit: str) -> Iterator[Path]:
    """A throw-away tree of ``commit`` (works on asv's bare mirror too)."""
    with tempfile.TemporaryDirectory(prefix="cascade-bench-") as tmp:
        tar_path = Path(tmp) / "tree.tar"
        with tar_path.open("wb") as fh:
            proc = subprocess.run(
                ["git", "-C", str(suite.repo_dir), "archive", "--format=tar", commit],
                stdout=fh,
                stderr=subprocess.PIPE,
                check=False,
            )
        if proc.returncode != 0:
            raise SuiteError(f"git archive {commit[:8]} failed: {proc.stderr.decode().strip()}")
        tree = Path(tmp) / "tree"
        with tarfile.open(tar_path) as tar:
            tar.extractall(tree, filter="data")
        yield tree


def install_commit(suite: Suite, python: Path, commit: str) -> None:
    """Install ``commit`` into the environment of ``python``, as asv's install_command does."""
    with checkout(suite, commit) as tree:
        proc = subprocess.run(
            [str(python), str(INSTALLER), "install", str(tree)],
            capture_output=True,
            text=True,
            check=False,
        )
    # asv must not trust its record of what is installed any more.
    (python.parent.parent / ASV_INSTALL_MARKER).unlink(missing_ok=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise SuiteError(f"cannot install {commit[:8]}: {lines[-1] if lines else 'failed'}")

"""Install Cascade from a checkout into the running interpreter's environment.

Runs *inside* an asv benchmark environment (stdlib only), as asv's
``install_command`` and ``uninstall_command``::

    python envtools/install_cascade.py install {build_dir}
    python envtools/install_cascade.py uninstall

Cascade's history has two layouts: one root package (``src/cascade``) and a
``packages/*`` monorepo whose members all ship ``cascade/`` with a
``pkgutil.extend_path`` stub ``__init__.py`` except one facade holding the public
API. The root project of the monorepo depends on workspace names no index has,
so the members are installed one by one, the facade last so that its
``__init__.py`` wins. Everything is installed ``--no-deps --no-build-isolation``
(hatchling is pre-installed in the environment): ~10 s per commit instead of ~1 min.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]
INSTALL = [*PIP, "install", "--no-deps", "--no-build-isolation", "--no-index"]
STUB_LINE = re.compile(r"extend_path\(")


class InstallError(Exception):
    """A commit that cannot be installed; the message is one line for asv's log."""


def installed_cascade_dists() -> list[str]:
    """Distributions that ship files of the ``cascade`` package (any era, any member)."""
    names = set()
    for dist in importlib.metadata.distributions():
        files = dist.files or []
        if any(f.parts and f.parts[0] == "cascade" for f in files):
            names.add(dist.metadata["Name"])
    return sorted(n for n in names if n)


def uninstall() -> None:
    """Remove every ``cascade*`` distribution and any leftover ``cascade/`` files.

    asv's default uninstall removes only the root project; modules of an older
    commit would otherwise stay importable and fool feature detection.
    """
    dists = installed_cascade_dists()
    if dists:
        subprocess.run([*PIP, "uninstall", "-y", *dists], check=False)
    for key in ("purelib", "platlib"):
        leftover = Path(sysconfig.get_paths()[key]) / "cascade"
        if leftover.exists():
            shutil.rmtree(leftover)


def is_stub_init(init: Path) -> bool:
    """True for a namespace stub: only comments, blanks and the extend_path line."""
    code = [
        line
        for line in init.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return len(code) <= 1 and all(STUB_LINE.search(line) for line in code)


def monorepo_members(checkout: Path) -> tuple[list[Path], Path]:
    """Members of ``packages/*`` and the facade among them (discovered, never listed)."""
    members = sorted(p.parent for p in checkout.glob("packages/*/pyproject.toml"))
    facades = [
        m
        for m in members
        if (m / "src/cascade/__init__.py").is_file()
        and not is_stub_init(m / "src/cascade/__init__.py")
    ]
    if len(facades) != 1:
        names = ", ".join(f.name for f in facades) or "none"
        raise InstallError(f"expected exactly one facade member with the public API, found {names}")
    facade = facades[0]
    return [m for m in members if m != facade], facade


def pip_install(paths: list[Path], *extra: str) -> None:
    proc = subprocess.run(
        [*INSTALL, *extra, *map(str, paths)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        # pip's own last error line is the most useful one-liner.
        errors = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        sys.stderr.write(proc.stderr)
        last = errors[-1].strip() if errors else f"exit {proc.returncode}"
        raise InstallError(f"pip install {' '.join(p.name for p in paths)} failed: {last}")


def install(checkout: Path) -> None:
    # Work out the layout before touching the environment.
    if any(checkout.glob("packages/*/pyproject.toml")):
        others, facade = monorepo_members(checkout)
        steps = [(others, ()), ([facade], ("--force-reinstall",))]
    elif (checkout / "pyproject.toml").is_file() or (checkout / "setup.py").is_file():
        steps = [([checkout], ())]
    else:
        raise InstallError(f"no Cascade project found in {checkout}")
    uninstall()
    for paths, extra in steps:
        if paths:
            pip_install(paths, *extra)
    check_importable()


def check_importable() -> None:
    """Fail the install, not every benchmark, when the result cannot be imported."""
    proc = subprocess.run(
        [sys.executable, "-c", "import cascade; cascade.task"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        raise InstallError(f"installed, but 'import cascade' fails: {lines[-1] if lines else '?'}")


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["uninstall"] and len(argv) == 1:
            uninstall()
        elif argv[:1] == ["install"] and len(argv) == 2:
            install(Path(argv[1]).resolve())
        else:
            raise InstallError("usage: install_cascade.py install CHECKOUT | uninstall")
    except InstallError as exc:
        print(f"install_cascade: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

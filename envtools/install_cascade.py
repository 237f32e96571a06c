"""Install Cascade from a checkout into the running interpreter's environment.

Runs *inside* an asv benchmark environment (stdlib only), as asv's
``install_command`` and ``uninstall_command``::

    python envtools/install_cascade.py install {build_dir} [{build_cache_dir}]
    python envtools/install_cascade.py uninstall

Cascade's history has two layouts: one root package (``src/cascade``) and a
``packages/*`` monorepo whose members all ship ``cascade/`` with a
``pkgutil.extend_path`` stub ``__init__.py`` except one facade holding the public
API. The root project of the monorepo depends on workspace names no index has,
so the members are installed one by one, the facade last so that its
``__init__.py`` wins. Everything is installed ``--no-deps --no-build-isolation``
(hatchling is pre-installed in the environment): ~5 s per commit instead of ~1 min.

Blame installs most commits more than once (a narrowing probe, then both sides of
a side-by-side run, then profiles). With asv's per-commit build cache directory
given, the installed files are copied there once the install imports, and a later
install of the same commit copies them back (~0.3 s): asv keys that directory by
commit and environment, and drops it with the environment. Uninstalling removes
the files the distributions' ``RECORD`` lists, as pip does, without pip's ~1 s
start-up.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
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


def cascade_distributions() -> list[importlib.metadata.Distribution]:
    """Distributions that ship files of the ``cascade`` package (any era, any member)."""
    return [
        dist
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"]
        and any(f.parts and f.parts[0] == "cascade" for f in dist.files or ())
    ]


def installed_cascade_dists() -> list[str]:
    return sorted({d.metadata["Name"] for d in cascade_distributions()})


def uninstall() -> None:
    """Remove every ``cascade*`` distribution and any leftover ``cascade/`` files.

    asv's default uninstall removes only the root project; modules of an older
    commit would otherwise stay importable and fool feature detection.
    """
    for dist in cascade_distributions():
        for path in {Path(dist.locate_file(f)) for f in dist.files or ()}:
            _remove_file(path)
    for key in ("purelib", "platlib"):
        leftover = Path(sysconfig.get_paths()[key]) / "cascade"
        if leftover.exists():
            shutil.rmtree(leftover)


def _remove_file(path: Path) -> None:
    """Remove ``path`` and the directories it leaves empty, up to the environment's
    own directories (site-packages, bin)."""
    stop = {Path(p) for p in sysconfig.get_paths().values()} | {Path(sys.prefix)}
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(path, ignore_errors=True)
    parent = path.parent
    while parent not in stop and Path(sys.prefix) in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            break  # not empty
        parent = parent.parent


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


def install(checkout: Path, cache: Path | None = None) -> None:
    """Install ``checkout``, from ``cache`` (asv's build cache directory of this
    commit) when an earlier install left its files there."""
    if cache is not None and restore(cache):
        check_importable()
        return
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
    if cache is not None:
        snapshot(cache)


SNAPSHOT = "installed"  # the installed files, by path under the environment's prefix
MANIFEST = "installed.json"  # written last: a snapshot without it is incomplete


def snapshot(cache: Path) -> None:
    """Copy the files of every installed ``cascade*`` distribution into ``cache``."""
    prefix = Path(sys.prefix)
    files = sorted(
        {
            Path(d.locate_file(f)).resolve()
            for d in cascade_distributions()
            for f in d.files or ()
        }
    )
    files = [f for f in files if f.is_file() and prefix.resolve() in f.parents]
    rel = [str(f.relative_to(prefix.resolve())) for f in files]
    shutil.rmtree(cache / SNAPSHOT, ignore_errors=True)
    (cache / MANIFEST).unlink(missing_ok=True)
    for src, name in zip(files, rel, strict=True):
        dest = cache / SNAPSHOT / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
    tmp = cache / f"{MANIFEST}.tmp"
    tmp.write_text(json.dumps({"files": rel}), encoding="utf-8")
    os.replace(tmp, cache / MANIFEST)


def restore(cache: Path) -> bool:
    """Put back what ``snapshot`` saved in ``cache``; False if it saved nothing."""
    try:
        rel = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not rel or not all((cache / SNAPSHOT / name).is_file() for name in rel):
        return False
    uninstall()
    prefix = Path(sys.prefix)
    for name in rel:
        dest = prefix / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(cache / SNAPSHOT / name, dest)
    return True


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
        elif argv[:1] == ["install"] and len(argv) in (2, 3):
            cache = Path(argv[2]).resolve() if len(argv) == 3 else None
            install(Path(argv[1]).resolve(), cache)
        else:
            raise InstallError("usage: install_cascade.py install CHECKOUT [CACHE] | uninstall")
    except InstallError as exc:
        print(f"install_cascade: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

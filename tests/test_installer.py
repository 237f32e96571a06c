"""The per-commit installer's layout logic (the end-to-end tests install for real)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

import pytest

from asvtools import PROJECT

spec = importlib.util.spec_from_file_location(
    "install_cascade", PROJECT / "envtools" / "install_cascade.py"
)
installer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(installer)

STUB = '# comment\n__path__ = __import__("pkgutil").extend_path(__path__, __name__)\n'
FACADE = STUB + "\nfrom .spec import task\n__all__ = ['task']\n"


def member(root: Path, name: str, init: str) -> Path:
    pkg = root / "packages" / name
    (pkg / "src" / "cascade").mkdir(parents=True)
    (pkg / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n')
    (pkg / "src" / "cascade" / "__init__.py").write_text(init)
    return pkg


def test_stub_and_facade_are_told_apart(tmp_path: Path) -> None:
    spec_pkg = member(tmp_path, "cascade-spec", STUB)
    sdk = member(tmp_path, "cascade-sdk", FACADE)
    engine = member(tmp_path, "cascade-engine", STUB)
    others, facade = installer.monorepo_members(tmp_path)
    assert facade == sdk
    assert others == [engine, spec_pkg]  # discovered, sorted, facade excluded


@pytest.mark.parametrize("inits", [[STUB, STUB], [FACADE, FACADE]])
def test_no_single_facade_is_an_error(tmp_path: Path, inits: list[str]) -> None:
    for i, init in enumerate(inits):
        member(tmp_path, f"cascade-m{i}", init)
    with pytest.raises(installer.InstallError, match="exactly one facade"):
        installer.monorepo_members(tmp_path)


def test_bad_usage_and_missing_project_are_one_line_errors(tmp_path: Path, capsys) -> None:
    assert installer.main(["frobnicate"]) == 1
    assert installer.main(["install", str(tmp_path)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("install_cascade: error:") for e in err)
    assert "no Cascade project" in err[1]


def _dist(site: Path, name: str, *files: str) -> None:
    """An installed distribution as pip leaves it: its files, METADATA and a RECORD."""
    for file in files:
        (site / file).parent.mkdir(parents=True, exist_ok=True)
        (site / file).write_text("")
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    record = [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in record))


def test_uninstall_targets_only_distributions_shipping_cascade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every era's way of shipping the package: one distribution, or monorepo members
    # sharing the namespace.
    _dist(tmp_path, "cascade-py", "cascade/__init__.py", "cascade/runtime/engine.py")
    _dist(tmp_path, "cascade-engine", "cascade/engine/__init__.py")
    # Names alike, but no cascade/ files: a plugin package, and a sibling package.
    _dist(tmp_path, "cascade-tools", "cascade_tools/__init__.py")
    _dist(tmp_path, "notcascade", "notcascade/cascade/__init__.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    found = installer.installed_cascade_dists()
    assert {"cascade-py", "cascade-engine"} <= set(found)
    assert not {"cascade-tools", "notcascade"} & set(found)
    # cascade-bench itself (package cascade_bench) is installed here and must be spared.
    assert importlib.metadata.distribution("cascade-bench")
    assert "cascade-bench" not in found


def test_an_incomplete_snapshot_is_not_restored(tmp_path: Path) -> None:
    """No manifest (an install killed while copying), or a manifest naming a file
    that is gone: the commit is installed from its checkout, nothing is touched."""
    (tmp_path / installer.SNAPSHOT / "cascade").mkdir(parents=True)
    (tmp_path / installer.SNAPSHOT / "cascade" / "__init__.py").write_text("")
    assert installer.restore(tmp_path) is False
    (tmp_path / installer.MANIFEST).write_text('{"files": ["cascade/gone.py"]}')
    assert installer.restore(tmp_path) is False
    (tmp_path / installer.MANIFEST).write_text("{")
    assert installer.restore(tmp_path) is False

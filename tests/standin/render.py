"""Render the stand-in engine's source tree for one point of its history.

Templates live in ``engine/`` and use line directives that are dropped on
rendering: ``#@ if FLAG``, ``#@ if not FLAG``, ``#@ else``, ``#@ end``
(nestable), where FLAG is a field of :class:`Features`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path

TEMPLATES = Path(__file__).parent / "engine"

# Member directory (under packages/) of each non-facade role.
MEMBERS = {"spec": "cascade-spec", "graph": "cascade-graph", "engine": "cascade-engine"}

STUB_INIT = '__path__ = __import__("pkgutil").extend_path(__path__, __name__)\n'


@dataclass(frozen=True)
class Features:
    """Switches selecting one era / injected change of the engine."""

    monorepo: bool = False
    vm: bool = False
    jump: bool = False
    slow_resolver: bool = False
    broken_heavy: bool = False
    touch_state: bool = False
    slow_solver: bool = False
    # Churn after the speed-up (implicit-TCO era): a slowdown, half of it
    # undone, three call-count-only hooks and a harmless rename.
    churn_slow: bool = False
    churn_partial: bool = False
    churn_calls_a: bool = False
    churn_calls_b: bool = False
    churn_calls_c: bool = False
    churn_rename: bool = False
    # A slowdown of the Jump loops soon after they are born.
    born_slow: bool = False
    # A real slowdown of a few percent, without new calls: only instructions see it.
    subtle_slow: bool = False
    # One commit, both directions: the Jump loops slower, the VM countdown faster.
    mixed: bool = False


def _always(_: Features) -> bool:
    return True


# (path inside the cascade package, template or None for a bare
#  subpackage __init__, member role, present when)
_FILES: tuple[tuple[str, str | None, str, Callable[[Features], bool]], ...] = (
    ("__init__.py", "__init__.py.tmpl", "facade", _always),
    ("control_flow.py", "control_flow.py.tmpl", "facade", lambda f: f.jump),
    ("spec/__init__.py", None, "spec", _always),
    ("spec/lazy_types.py", "spec/lazy_types.py.tmpl", "spec", _always),
    ("spec/task.py", "spec/task.py.tmpl", "spec", _always),
    ("spec/jump.py", "spec/jump.py.tmpl", "spec", lambda f: f.jump),
    ("spec/blueprint.py", "blueprint.py.tmpl", "spec", lambda f: f.jump),
    ("graph/__init__.py", None, "graph", _always),
    ("graph/model.py", "graph/model.py.tmpl", "graph", _always),
    ("graph/registry.py", "graph/registry.py.tmpl", "graph", _always),
    ("graph/build.py", "graph/build.py.tmpl", "graph", _always),
    ("graph/exceptions.py", "graph/exceptions.py.tmpl", "graph", lambda f: f.jump),
    ("runtime/__init__.py", "runtime/__init__.py.tmpl", "engine", _always),
    ("runtime/engine.py", "runtime/engine.py.tmpl", "engine", _always),
    ("runtime/resolvers.py", "runtime/resolvers.py.tmpl", "engine", _always),
    ("runtime/bus.py", "runtime/bus.py.tmpl", "engine", _always),
    ("runtime/events.py", "runtime/events.py.tmpl", "engine", _always),
    (
        "runtime/blueprint.py",
        "blueprint.py.tmpl",
        "engine",
        lambda f: f.vm and not f.jump,
    ),
    ("adapters/__init__.py", None, "engine", _always),
    ("adapters/solvers/__init__.py", None, "engine", _always),
    (
        "adapters/solvers/native.py",
        "adapters/solvers/native.py.tmpl",
        "engine",
        _always,
    ),
    ("adapters/executors/__init__.py", None, "engine", _always),
    (
        "adapters/executors/local.py",
        "adapters/executors/local.py.tmpl",
        "engine",
        _always,
    ),
)


def preprocess(text: str, features: Features) -> str:
    """Apply ``#@`` directives of ``text`` for ``features``."""
    flags = {f.name: getattr(features, f.name) for f in fields(features)}
    keep = [True]  # one entry per open block: is its current branch kept?
    out = []
    for line in text.splitlines(keepends=True):
        directive = line.strip()
        if not directive.startswith("#@"):
            if all(keep):
                out.append(line)
            continue
        words = directive[2:].split()
        if words[0] == "if":
            negate = words[1] == "not"
            value = flags[words[-1]]
            keep.append(not value if negate else value)
        elif words[0] == "else" and len(keep) > 1:
            keep[-1] = not keep[-1]
        elif words[0] == "end" and len(keep) > 1:
            keep.pop()
        else:
            raise ValueError(f"bad template directive: {directive!r}")
    if len(keep) != 1:
        raise ValueError("unterminated '#@ if' block")
    return "".join(out)


def render_package(features: Features) -> dict[str, tuple[str, str]]:
    """Return ``{path in cascade/: (member role, source)}`` for ``features``."""
    files = {}
    for dest, template, role, present in _FILES:
        if not present(features):
            continue
        if template is None:
            package = "cascade." + dest.rsplit("/", 1)[0].replace("/", ".")
            source = f'"""Cascade stand-in: {package}."""\n'
        else:
            source = preprocess((TEMPLATES / template).read_text(), features)
        files[dest] = (role, source)
    return files


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(f'"{item}"' for item in items) + "]"


def _pyproject(
    name: str, packages: str, deps: list[str], extra: str = "", broken: bool = False
) -> str:
    deps_line = f"dependencies = {_toml_list(deps)}"
    if broken:
        deps_line = deps_line[:-1]  # drop the closing bracket: invalid TOML
    return (
        "[build-system]\n"
        'requires = ["hatchling"]\n'
        'build-backend = "hatchling.build"\n\n'
        "[project]\n"
        f'name = "{name}"\n'
        'version = "0.1.0"\n'
        'description = "Cascade stand-in (benchmark test fixture)."\n'
        'requires-python = ">=3.8"\n'
        f"{deps_line}\n\n"
        f"{extra}"
        "[tool.hatch.build.targets.wheel]\n"
        f'packages = ["{packages}"]\n'
    )


def render_tree(
    features: Features, facade: str | None, broken_member: str | None = None
) -> dict[str, str]:
    """Return ``{repo path: content}`` of the engine and its packaging.

    ``facade`` is the member holding the public ``cascade/__init__.py`` in
    the monorepo layout, or None for the single-package layout.
    ``broken_member`` names a member whose pyproject.toml is invalid TOML.
    """
    package = render_package(features)
    if facade is None:
        tree = {f"src/cascade/{dest}": source for dest, (_, source) in package.items()}
        tree["pyproject.toml"] = _pyproject("cascade-py", "src/cascade", [])
        return tree

    members = {**MEMBERS, "facade": facade}
    tree = {}
    for dest, (role, source) in package.items():
        tree[f"packages/{members[role]}/src/cascade/{dest}"] = source
    deps = {
        "spec": [],
        "graph": [MEMBERS["spec"]],
        "engine": [MEMBERS["spec"], MEMBERS["graph"]],
        "facade": list(MEMBERS.values()),
    }
    for role, member in members.items():
        if role != "facade":
            tree[f"packages/{member}/src/cascade/__init__.py"] = STUB_INIT
        tree[f"packages/{member}/pyproject.toml"] = _pyproject(
            member, "src/cascade", deps[role], broken=member == broken_member
        )
    # Workspace root: depends on members no index has, so `pip install .` fails.
    names = list(members.values())
    sources = "".join(f"{name} = {{ workspace = true }}\n" for name in names)
    extra = f'[tool.uv.workspace]\nmembers = ["packages/*"]\n\n[tool.uv.sources]\n{sources}\n'
    tree["pyproject.toml"] = _pyproject("cascade", f"packages/{facade}/src/cascade", names, extra)
    return tree

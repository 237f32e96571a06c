"""Which commits changed nothing a workload ran (``relevance``): pure rules, fast tier."""

from __future__ import annotations

from cascade_bench.history import package_file
from cascade_bench.relevance import same_build, same_syntax, why_irrelevant

RAN = {"cascade/runtime/engine.py", "cascade/graph/build.py", "asyncio/base_events.py"}


def _why(changed: list[str], executed: set[str] | None = RAN, formatting=()) -> str | None:
    return why_irrelevant(changed, package_file, executed, lambda p: p in formatting)


def test_docs_examples_and_unrun_modules_are_irrelevant() -> None:
    why = _why(["docs/notes.md", "examples/demo.py", "packages/cascade-cli/src/cascade/cli.py"])
    assert why is not None and why.startswith("touches only files no workload ran")
    assert "examples/demo.py" in why and "and 0 more" not in why


def test_code_that_ran_packaging_and_package_data_may_matter() -> None:
    engine = "packages/cascade-engine/src/cascade/runtime/engine.py"
    assert _why([engine, "docs/x.md"]) is None
    assert _why(["docs/x.md", "packages/cascade-sdk/pyproject.toml"]) is None
    assert _why(["packages/cascade-sdk/src/cascade/prompts.yaml"]) is None
    assert _why([]) is None  # an empty commit: nothing to argue from
    # Unknown profile, or generated code in it: every package module counts as run.
    cli = "packages/cascade-cli/src/cascade/cli.py"
    assert _why([cli], executed=None) is None
    assert _why([cli], executed=RAN | {"<string>"}) is None


def test_formatting_only_changes_to_code_that_ran_are_irrelevant() -> None:
    engine = "src/cascade/runtime/engine.py"
    why = _why([engine, "README.md"], formatting={engine})
    assert why is not None and "formatting-only changes to code that ran" in why
    assert same_syntax("x = [1,2]\n", "# ruff\nx = [\n    1,\n    2,\n]\n")
    assert not same_syntax("x = 1\n", "x = 2\n")
    assert not same_syntax(None, "x = 1\n") and not same_syntax("x = (", "x = (")


def test_docstrings_and_type_stubs_are_not_code() -> None:
    assert same_syntax('def f():\n    """Says what."""\n    return 1\n', "def f():\n    return 1\n")
    assert same_syntax('"""Module."""\nclass A:\n    """Doc."""\n', "class A:\n    pass\n")
    assert not same_syntax('def f():\n    "a"\n    return 1\n', 'def f():\n    "a"\n    return 2\n')
    stub = "packages/cascade-sdk/src/cascade/io/local/__init__.pyi"
    why = _why([stub])
    assert why is not None and stub in why


def test_with_the_work_unchanged_only_code_that_ran_matters() -> None:
    # No exact signal moved: package data and tools' tables of pyproject.toml cannot
    # have moved the timing; code that ran and a changed build still can.
    data = "packages/cascade-spec/src/cascade/spec/telemetry.stitcher.yaml"
    engine = "packages/cascade-engine/src/cascade/runtime/engine.py"

    def quiet(changed: list[str], same_build: bool = True) -> str | None:
        return why_irrelevant(changed, package_file, RAN, lambda _p: False,
                              data_matters=False, same_build=lambda _p: same_build)  # fmt: skip

    assert quiet([data, "pyproject.toml"]) is not None
    assert quiet(["pyproject.toml"], same_build=False) is None
    assert quiet([engine]) is None
    assert _why([data]) is None  # where an exact signal moved, package data may matter


def test_a_pyproject_differing_in_tools_tables_builds_the_same() -> None:
    base = '[project]\nname = "cascade"\ndependencies = ["x"]\n'
    assert same_build(base, base + "[tool.stitcher]\npaths = ['a']\n")
    assert not same_build(base, base.replace('["x"]', '["x", "y"]'))
    assert not same_build(base, base + "[tool.hatch.build]\nexclude = ['a']\n")
    assert not same_build(base, "not = toml = at all") and not same_build(None, base)

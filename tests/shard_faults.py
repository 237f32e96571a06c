"""Ways to spoil a shard, each refused by ``cascade-bench merge`` with its own reason:
shared by the in-process refusal tests (fabricated shards, test_cli_errors.py) and
the end-to-end ones (real shards, test_shards.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path


def other_machine(shard: Path, machine: str) -> None:
    for sub in ("results", "profiles"):
        (shard / sub / machine).rename(shard / sub / "otherbox")


def other_suite_version(shard: Path, machine: str) -> None:
    path = shard / "results" / "benchmarks.json"
    doc = json.loads(path.read_text())
    name = next(n for n in sorted(doc) if n.startswith("calls."))
    doc[name]["version"] = "0" * 64
    path.write_text(json.dumps(doc))


def other_python(shard: Path, machine: str) -> None:
    for path in (shard / "results" / machine).glob("*-virtualenv-py3.11-*.json"):
        doc = json.loads(path.read_text())
        doc["env_name"] = doc["env_name"].replace("py3.11", "py3.12")
        doc["python"] = "3.12"
        path.unlink()
        (path.parent / path.name.replace("py3.11", "py3.12")).write_text(json.dumps(doc))


def conflicting_value(shard: Path, machine: str) -> None:
    """Twice the call count of one measured benchmark of one commit."""
    for path in sorted((shard / "results" / machine).glob("*-*.json")):
        doc = json.loads(path.read_text())
        for name, row in sorted(doc["results"].items()):
            measured = [isinstance(v, float) and math.isfinite(v) for v in row[0] or []]
            if name.startswith("calls.") and any(measured):  # NaN is asv's n/a
                row[0] = [v * 2 if m else v for v, m in zip(row[0], measured, strict=True)]
                path.write_text(json.dumps(doc))
                return
    raise AssertionError("no measured call count in the shard")


def corrupt(shard: Path, machine: str) -> None:
    path = sorted((shard / "results" / machine).glob("*-*.json"))[0]
    path.write_text(path.read_text()[:200])

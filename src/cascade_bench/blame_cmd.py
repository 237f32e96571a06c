"""``cascade-bench blame``: name the commit and the function behind every step."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from .asvconf import load_suite
from .blame import CONFIRM_ROUNDS, Blamer, Options, side_by_side_args, store_path
from .profile_cmd import default_machine
from .steps import DEFAULT_SERIES
from .suite import SuiteError

STORE_VERSION = 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "blame",
        help="find regressions in asv's results and name culprit commits and functions",
        description="Exit status: 0 no regression, 1 regressions found, 2 error.",
    )
    p.add_argument("--config", default="asv.conf.json")
    p.add_argument("--machine", help="asv machine (default: the only one in results/)")
    p.add_argument("--bench", default=DEFAULT_SERIES, help="regex of benchmark names")
    p.add_argument("--range", dest="range_spec", help="only steps whose culprit is in A..B")
    p.add_argument("--threshold", type=float, help="relative step size (default: asv.conf.json)")
    p.add_argument(
        "--no-build", action="store_true", help="never run asv: no bisecting, no confirming"
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=CONFIRM_ROUNDS,
        help="interleaved rounds when confirming (at least 3: the rounds must separate)",
    )
    p.add_argument("--json", help="also write the findings as JSON here")
    p.add_argument("--markdown", help="also write a Markdown summary here")
    p.add_argument("--top", type=int, default=5, help="functions shown per finding")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.threshold is not None and not 0 < args.threshold < 10:
        raise SuiteError(f"--threshold {args.threshold}: expected a fraction such as 0.05")
    side_by_side_args(args.rounds)  # checks --rounds before any work
    bench = load_suite(args.config)
    machine = default_machine(bench.results_dir, args.machine)
    opts = Options(
        machine=machine,
        bench_regex=args.bench,
        range_spec=args.range_spec,
        threshold=args.threshold,
        build=not args.no_build,
        confirm_rounds=args.rounds,
    )
    store = store_path(bench, machine)
    blamer = Blamer(bench, opts, previous=previous_confirmations(store))
    findings, dismissed = blamer.run()
    doc = store_doc(machine, opts, findings, dismissed, blamer.built)
    write_store(store, doc)
    if args.json:
        write_json(Path(args.json), doc)
    if args.markdown:
        Path(args.markdown).write_text(markdown(doc, args.top))
    print(terminal(doc, args.top))
    return 1 if counted_regressions(findings) else 0


def counted_regressions(findings: list[dict]) -> list[dict]:
    """What fails a run: exact call-count steps, and timing steps confirmed side by side."""
    return [
        f
        for f in findings
        if f["kind"] == "regression" and (f["signal"] == "calls" or f["confirmed"])
    ]


def store_doc(
    machine: str, opts: Options, findings: list[dict], dismissed: list[dict], built: set[str]
) -> dict:
    """The blame store (schema: cascade_bench.report.model)."""
    return {
        "version": STORE_VERSION,
        "machine": machine,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "options": {
            "bench": opts.bench_regex,
            "range": opts.range_spec,
            "threshold": opts.threshold,
        },
        "built": sorted(built),
        "findings": findings,
        "dismissed": dismissed,
    }


def write_store(path: Path, doc: dict) -> None:
    """The store that ``asv publish`` reads; checked against the report's schema first."""
    from .report.model import parse_blame

    parse_blame(doc)
    write_json(path, doc)


def write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1))
    tmp.replace(path)


def previous_confirmations(store: Path) -> dict[tuple, dict]:
    """Side-by-side verdicts of earlier runs: a nightly run does not re-measure them."""
    try:
        doc = json.loads(store.read_text())
    except (OSError, ValueError):
        return {}
    remembered = {}
    for f in doc.get("findings", []) + doc.get("dismissed", []):
        conf = f.get("confirmation") or {}
        # Only verdicts that checked every round (older ones pooled all samples).
        if f.get("signal") == "time" and "separated" in conf:
            key = (
                f["benchmark"],
                tuple(f["params"].values()),
                f["parent"]["hash"],
                f["culprit"]["hash"],
            )
            remembered[key] = conf
    return remembered


# -- rendering ----------------------------------------------------------------
def _fmt(value: float, unit: str) -> str:
    if unit == "seconds":
        for scale, suffix in ((1, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")):
            if abs(value) >= scale:
                return f"{value / scale:.3g} {suffix}"
        return "0 s"
    return f"{value:.2f}"


def _ratio(f: dict) -> str:
    r = f.get("ratio")
    return f"{r:.2f}×" if r else "?"


def _params(f: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in f["params"].items())


def _status(f: dict) -> str:
    if f["signal"] == "calls":
        return "exact call-count step"
    rounds = len((f.get("confirmation") or {}).get("culprit_rounds") or [])
    if f["confirmed"] and rounds:
        return f"confirmed side by side ({rounds} rounds each, separated)"
    if f["confirmed"]:
        return "confirmed side by side"
    if f["confirmed"] is False:
        return "NOT confirmed side by side"
    return "NOT confirmed (no side-by-side run)"


def _function_rows(f: dict, top: int) -> list[str]:
    rows = []
    for fn in f.get("functions", [])[:top]:
        calls = f"calls {fn['calls'][0]:.2f}→{fn['calls'][1]:.2f}"
        own = f"own {_fmt(fn['own'][0], 'seconds')}→{_fmt(fn['own'][1], 'seconds')}"
        cum = f"cum {_fmt(fn['cumulative'][0], 'seconds')}→{_fmt(fn['cumulative'][1], 'seconds')}"
        rows.append(f"{fn['file']}:{fn['function']}  {calls}  {own}  {cum}")
    return rows


def terminal(doc: dict, top: int = 5) -> str:
    out = []
    for kind, title in (("regression", "REGRESSIONS"), ("speedup", "SPEED-UPS")):
        items = [f for f in doc["findings"] if f["kind"] == kind]
        out.append(f"{title} ({len(items)})")
        for f in items:
            c, p = f["culprit"], f["parent"]
            out.append(
                f"  {f['benchmark']} [{_params(f)}]  {_fmt(f['before'], f['unit'])} → "
                f"{_fmt(f['after'], f['unit'])}  ({_ratio(f)}, {_status(f)})"
            )
            b = f["bisect"]
            out.append(
                f"    culprit {c['short']} {c['subject'][:60]!r} ({c['date'][:10]}), "
                f"vs {p['short']}; gap of {b['gap']} commit(s)"
                + (f", {len(b['failed'])} failing skipped" if b["failed"] else "")
            )
            out.extend(f"      {row}" for row in _function_rows(f, top))
            out.extend(f"      note: {n}" for n in f.get("notes", []))
    if doc.get("dismissed"):
        out.append(f"DISMISSED AS NOISE ({len(doc['dismissed'])}): not confirmed side by side")
        for f in doc["dismissed"]:
            out.append(f"  {f['benchmark']} [{_params(f)}] at {f['culprit']['short']}")
    out.append(f"built {len(doc['built'])} commit(s) for this run")
    return "\n".join(out)


def markdown(doc: dict, top: int = 5) -> str:
    regs = [f for f in doc["findings"] if f["kind"] == "regression"]
    if regs:
        worst = max(regs, key=lambda f: f.get("ratio") or 0)
        fn = (worst.get("functions") or [{}])[0]
        verdict = (
            f"**{len(regs)} regression(s).** Worst: `{worst['benchmark']}` ({_params(worst)}) "
            f"{_ratio(worst)} at `{worst['culprit']['short']}`"
            + (f", in `{fn.get('file')}:{fn.get('function')}`" if fn else "")
        )
    else:
        verdict = "**No regression.**"
    lines = [verdict, ""]
    for f in doc["findings"]:
        lines.append(
            f"- {f['kind']}: `{f['benchmark']}` ({_params(f)}) {_ratio(f)} — {_status(f)} — "
            f"culprit `{f['culprit']['short']}` {f['culprit']['subject']} "
            f"(vs `{f['parent']['short']}`)"
        )
        lines.extend(f"  - `{row}`" for row in _function_rows(f, top))
    if doc.get("dismissed"):
        lines.append(
            f"- {len(doc['dismissed'])} timing step(s) dismissed as noise "
            "(not confirmed side by side)"
        )
    return "\n".join(lines) + "\n"

"""Stage 4: inside each finding, the functions that changed, and whether the commit
could have moved its workload at all.

The two commits' stored profiles of the workload are diffed per loop iteration
(``funcdiff``), ranked by bytecodes (deterministic) where they are stored, by calls
for a call-count step; functions the culprit commit edited are marked. A pinned
step whose commit changed nothing the workload ran (``relevance``) is dismissed.
"""

from __future__ import annotations

import pstats
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import funcdiff, history, profiles, relevance, results, signals, suite, wording
from ..model import CallsChange, Finding, FunctionDiff, Pair, PairKey
from ..progress import Progress
from ..steps import SeriesKey, beyond
from ..suite import SuiteError
from .context import Located, Run


@dataclass
class Profiles:
    """Stored profiles and bytecodes, each read once: a time and a calls finding of
    one pair share them."""

    stats: dict[Path, pstats.Stats] = field(default_factory=dict)
    codes: dict[Path, profiles.Bytecodes | None] = field(default_factory=dict)
    # (commit, class) measured for a missing profile: never twice (a failing
    # benchmark leaves none, and every finding of the pair would ask again).
    tried: set[tuple[str, str]] = field(default_factory=set)
    progress: Progress | None = None  # created at the first measurement

    def measuring(self, label: str) -> None:
        """Say so before measuring for a profile or a count."""
        if self.progress is None:
            self.progress = Progress("blame: profiles and counts, commit")
        self.progress.step(label)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.close()

    def profile(self, path: Path) -> pstats.Stats:
        if path not in self.stats:
            self.stats[path] = profiles.load(path)
        return self.stats[path]

    def bytecodes(self, path: Path) -> profiles.Bytecodes | None:
        if path not in self.codes:
            self.codes[path] = profiles.load_bytecodes(path)
        return self.codes[path]


def attribute(run: Run, cache: Profiles, found: list[Finding]) -> list[Finding]:
    """Every finding that stands (not a timing step dismissed as noise) with its
    function diff; a pinned one whose commit changed nothing that ran carries why
    (``Finding.dismissal``)."""
    out = []
    for f in found:
        if f.confirmed is False and not f.sizing:
            out.append(f)  # noise: nothing to attribute
            continue
        f = functions(run, cache, f)
        why = changed_nothing_that_ran(run, cache, f) if f.pinned else None
        out.append(f if why is None else replace(f, dismissal=why))
    return out


def functions(run: Run, cache: Profiles, finding: Finding) -> Finding:
    """``finding`` with the function diff of its two commits' stored profiles."""
    key, pair = SeriesKey(*finding.series), finding.pair
    n = key.n if key.signal != "instructions" else max(suite.profiled_sizes())
    if key.workload is None or n is None:
        return replace(finding, notes=["not a Cascade workload"])
    try:
        paths = _profile_paths(run, cache, key, pair, n)
        before, after = _read(run, cache, paths)
    except SuiteError as exc:
        return replace(finding, notes=[f"no function diff: {exc}"])
    changes, notes = funcdiff.diff(before, after, n, key.signal)
    diffs = [_function_diff(run, pair, c) for c in changes]
    codes = [cache.bytecodes(p) for p in paths]
    if key.signal != "calls" and codes[0] is not None and codes[1] is not None:
        diffs = funcdiff.rank_by_bytecodes(diffs, codes[0], codes[1])
    else:
        diffs = funcdiff.top(diffs)
    edited = run.history.edited(*pair)
    return replace(
        finding,
        functions=[replace(f, edited=(f.file, f.function) in edited) for f in diffs],
        notes=notes,
        profiles={"parent": run.relative(paths[0]), "culprit": run.relative(paths[1])},
        calls=CallsChange(before.total_calls / n, after.total_calls / n),
    )


def _profile_paths(
    run: Run, cache: Profiles, key: SeriesKey, pair: Pair, n: int, fetch: bool = True
) -> tuple[Path, Path]:
    """The stored profiles of the workload at both commits, measured now where one
    is missing (once, and only while builds are allowed: --no-build, --budget;
    never without ``fetch``)."""
    root, machine, workload = run.suite.profile_root, run.opts.machine, key.workload
    paths = []
    for commit in pair:
        try:
            paths.append(profiles.stored_path(root, machine, commit, workload, n))
        except SuiteError:
            asked = (commit, key.benchmark_class)
            if not fetch or asked in cache.tried or not run.may_build():
                raise  # the step stands; only its functions are unknown
            cache.tried.add(asked)
            cache.measuring(f"{commit[:8]} for calls.{key.benchmark_class} (its profile)")
            regex = SeriesKey.classes_regex([key.benchmark_class], "calls")
            run.measure([commit], regex, reload=False)  # profiles only: values unchanged
            paths.append(profiles.stored_path(root, machine, commit, workload, n))
    return paths[0], paths[1]


def _read(run: Run, cache: Profiles, paths: tuple[Path, Path]) -> list[pstats.Stats]:
    """Both profiles. A corrupt one is moved aside, never read again: the next run
    that measures the commit writes a new one."""
    try:
        return [cache.profile(p) for p in paths]
    except SuiteError:
        for p in paths:
            if p not in cache.stats and p.exists():
                try:
                    profiles.load(p)
                except SuiteError:
                    run.set_aside.append(results.move_aside(p))
        raise


def _function_diff(run: Run, pair: Pair, c: funcdiff.FuncChange) -> FunctionDiff:
    file, name = c.key[0], c.key[1]
    return FunctionDiff(
        file=file,
        function=run.history.qualify(pair.culprit, file, c.line, name) if c.cascade else name,
        cascade=c.cascade,
        calls=(c.before.calls, c.after.calls),
        primitive_calls=(c.before.primitive_calls, c.after.primitive_calls),
        own=(c.before.own, c.after.own),
        cumulative=(c.before.cumulative, c.after.cumulative),
    )


def untimed_noise(run: Run, cache: Profiles, located: list[Located]) -> dict[PairKey, str]:
    """Wall-time steps settled without timing them again: no exact signal of the
    workload moved at the pair (instructions, call counts: the work is the same),
    and the commit touched no code the workload ran. Such a step is noise by
    construction; re-timing it side by side would only say so at 8 rounds' cost.

    What ran comes from the stored profiles of both commits; without them every
    package module counts as run (a commit touching only docs still qualifies).
    Where the pair lacks an instruction count (a timing probe measures timing only),
    the count is taken, once per commit: one count is far cheaper than 8 rounds."""
    out: dict[PairKey, str] = {}
    for loc in located:
        key, pair = loc.step.series, loc.pair
        if key.signal != "time" or loc.derived or loc.sizes or key.workload is None:
            continue
        exact = _exact_series(run, key)
        if _exact_moved(run, exact, pair):
            continue  # the work moved: only a side-by-side run can say what it cost
        why = _touches_no_code_that_ran(run, cache, key, pair)  # asked second: reads git
        if why is None:
            continue
        if _exact_moved(run, exact, pair) is None:
            _count_instructions(run, cache, key, exact, pair)
        if _exact_moved(run, exact, pair) is False:
            out[PairKey.of(key, pair)] = (
                f"{wording.UNTIMED} {_exact_names(exact)} unchanged, and the commit {why}"
            )
    return out


def _touches_no_code_that_ran(run: Run, cache: Profiles, key: SeriesKey, pair: Pair) -> str | None:
    try:
        n = key.n or max(suite.profiled_sizes())
        paths = _profile_paths(run, cache, key, pair, n, fetch=False)  # no build for it
        stats = [cache.profile(p) for p in paths]
        executed = {profiles.short_file(f) for s in stats for (f, _line, _name) in s.stats}
    except SuiteError:
        executed = None  # unknown: every package module counts as run
    return relevance.why_irrelevant(
        run.history.changed_files(*pair),
        history.package_file,
        executed,
        lambda path: run.history.formatting_only(*pair, path),
        data_matters=False,
        same_build=lambda path: run.history.same_build(*pair, path),
    )


def _count_instructions(
    run: Run, cache: Profiles, key: SeriesKey, exact: list[SeriesKey], pair: Pair
) -> None:
    """The instruction count of ``key``'s workload where the pair lacks it."""
    counted = f"{signals.INSTRUCTIONS.module}.{key.benchmark_class}"
    exact = [k for k in exact if k.signal == "instructions"]
    for commit in pair:
        asked = (commit, counted)
        if asked in cache.tried or not exact or not run.may_build():
            continue
        if any(isinstance(run.value(k, commit), float) for k in exact):
            continue
        cache.tried.add(asked)
        cache.measuring(f"{commit[:8]} for {counted}: is the {key.benchmark_class} timing step "
                        "noise?")  # fmt: skip
        run.measure([commit], SeriesKey.module_classes_regex([counted]))


def _exact_series(run: Run, key: SeriesKey) -> list[SeriesKey]:
    """The exact series (instructions, call counts) of ``key``'s workload."""
    return sorted({SeriesKey(b, p) for (b, p, _c) in run.values
                   if SeriesKey(b, p).workload == key.workload and SeriesKey(b, p).exact},
                  key=lambda k: (k.benchmark, k.params))  # fmt: skip


def _exact_moved(run: Run, series: list[SeriesKey], pair: Pair) -> bool | None:
    """Whether one of the exact ``series`` stepped at ``pair`` (None: none was
    measured at both commits)."""
    measured = False
    for exact in series:
        before, after = (run.value(exact, c) for c in pair)
        if not (isinstance(before, float) and isinstance(after, float)):
            continue
        measured = True
        if beyond(before, after, run.threshold(exact)):
            return True
    return None if not measured else False


def _exact_names(series: list[SeriesKey]) -> str:
    seen = {k.signal for k in series}
    words = {"instructions": "instructions", "calls": "call counts"}
    return " and ".join(words[s] for s in signals.DISPLAY_ORDER if s in seen)


def changed_nothing_that_ran(run: Run, cache: Profiles, finding: Finding) -> str | None:
    """Why ``finding``'s commit cannot have moved its workload (``relevance``):
    its diff against the parent touches only files the workload never ran, or
    only their formatting. None if it may have."""
    parent, culprit = finding.pair
    return relevance.why_irrelevant(
        run.history.changed_files(parent, culprit),
        history.package_file,
        _executed(run, cache, finding),
        lambda path: run.history.formatting_only(parent, culprit, path),
    )


def _executed(run: Run, cache: Profiles, finding: Finding) -> set[str] | None:
    """Files the workload ran at either commit, from their stored profiles."""
    files: set[str] = set()
    for role in ("parent", "culprit"):
        rel = finding.profiles.get(role)
        if not rel:
            return None
        try:
            stats = cache.profile(run.suite.conf_dir / rel)
        except SuiteError:
            return None
        files.update(profiles.short_file(f) for (f, _line, _name) in stats.stats)
    return files

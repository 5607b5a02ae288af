#!/usr/bin/env python3
"""The benchmarks' summary table in docs/benchmarks.md, written from the drivers' JSON results.

  bench-summary.py [RESULTS_DIR] [--doc FILE] [--output FILE]
      Rewrites the table between <!-- summary:start --> and <!-- summary:end --> in the doc (default
      docs/benchmarks.md) from the newest result of each benchmark in RESULTS_DIR (default bench/results), its
      "goals" as each driver computed them (dev.rigfleet.bench.Goal). A benchmark with no result there keeps its row
      as it stands. --output writes the doc elsewhere, leaving the doc itself alone.

  bench-summary.py --medians-of RUNS_DIR [--into RESULTS_DIR]
      For `make bench-goals`: RUNS_DIR holds one results directory per run (run-1, run-2, ...). Prints, for each
      benchmark, the median of each goal's figure across the runs with its verdict, and writes the medians into
      RESULTS_DIR as one result per benchmark (<benchmark>-median-<time>.json), which the table then uses like any
      other result.

Fails (exit status 1, and a message naming the file) on a result that is not JSON or not shaped as the drivers write
it: a table that cannot be written from the results is not written at all. Standard library only.
"""

import argparse
import datetime
import html
import json
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_MARKER = "<!-- summary:start -->"
END_MARKER = "<!-- summary:end -->"
HEADER = ["| benchmark | goal | measured | |", "| --- | --- | --- | --- |"]

# The table's rows in order: the number and name each row starts with, and the benchmark whose results fill it (the
# "benchmark" of the drivers' JSON).
ROWS = [
    (1, "proxied-latency", "proxied command latency"),
    (2, "agents-per-replica", "agents per coordinator replica"),
    (3, "api-throughput", "API throughput"),
    (4, "tunnel-throughput", "tunnel throughput"),
    (5, "agent-footprint", "agent footprint"),
    (6, "revocation-reach", "revocation / deprovisioning reach"),
    (7, "allocation-throughput", "allocation throughput"),
    (8, "instance-startup", "instance start-up"),
    (9, "instance-copy", "instance copy"),
    (10, "vpn-startup", "VPN instance start-up"),
    (11, "ci-job-latency", "CI job latency"),
]

# The drivers name their files <benchmark>[-<label>]-<Instant.now() with ':' as '-'>.json.
RESULT_FILE = re.compile(r"^.+-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})(?:\.(\d+))?Z\.json$")
TABLE_ROW = re.compile(r"^\|\s*(\d+)\.")


class ResultError(Exception):
    """A result or the doc is not as this script expects; the message says which and why."""


class Result:
    """One JSON result: its benchmark, when it was written, and its goals (validated)."""

    def __init__(self, path, benchmark, written, goals, median_of):
        self.path = path
        self.benchmark = benchmark
        self.written = written
        self.goals = goals
        self.median_of = median_of


def written_at(path):
    match = RESULT_FILE.match(path.name)
    if not match:
        raise ResultError(f"{path}: not a result's name (<benchmark>-<yyyy-mm-ddThh-mm-ss[.fraction]Z>.json)")
    date, hours, minutes, seconds, fraction = match.groups()
    moment = datetime.datetime.fromisoformat(f"{date}T{hours}:{minutes}:{seconds}+00:00")
    # Instant.toString() writes as many fraction digits as it needs; a datetime takes microseconds.
    return moment + datetime.timedelta(microseconds=int(((fraction or "") + "000000")[:6]))


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def met(goal):
    """The verdict computed from the figure and its bound: True, False, or None for a figure without a goal."""
    if goal["comparison"] is None:
        return None
    if goal["comparison"] == "<=":
        return goal["measured"] <= goal["limit"]
    return goal["measured"] >= goal["limit"]


def verdict(goal):
    return {None: "measured", True: "met", False: "missed"}[met(goal)]


def checked_goal(path, goal):
    """The goal as Goal.json writes it, or a ResultError saying what is wrong with it."""
    if not isinstance(goal, dict):
        raise ResultError(f"{path}: goal {goal!r}: not an object")
    where = f"{path}: goal {goal.get('name', '?')}"
    for key, kind in (("name", str), ("goal", str), ("unit", str)):
        if not isinstance(goal.get(key), kind):
            raise ResultError(f"{where}: \"{key}\" is missing or not a {kind.__name__}")
    if not is_number(goal.get("measured")):
        raise ResultError(f"{where}: \"measured\" is missing or not a number")
    if goal.get("comparison") not in ("<=", ">=", None):
        raise ResultError(f"{where}: \"comparison\" is {goal.get('comparison')!r}, not \"<=\", \">=\" or null")
    if (goal.get("comparison") is None) != (goal.get("limit") is None) or not (
        goal.get("limit") is None or is_number(goal["limit"])
    ):
        raise ResultError(f"{where}: \"limit\" must be a number with a comparison and null without one")
    if goal.get("met") != met(goal):
        raise ResultError(f"{where}: \"met\" is {goal.get('met')!r}, but the figure says {met(goal)!r}")
    return goal


def load(path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ResultError(f"{path}: not readable as JSON: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("benchmark"), str):
        raise ResultError(f"{path}: not a benchmark's result (an object with a \"benchmark\" name)")
    goals = data.get("goals")
    if goals is not None and not isinstance(goals, list):
        raise ResultError(f"{path}: \"goals\" is not a list")
    median_of = data.get("median_of")
    if median_of is not None and not (isinstance(median_of, int) and median_of > 0):
        raise ResultError(f"{path}: \"median_of\" is not a count of runs")
    return Result(
        path,
        data["benchmark"],
        written_at(path),
        None if goals is None else [checked_goal(path, goal) for goal in goals],
        median_of,
    )


def results_in(directory):
    if not directory.is_dir():
        raise ResultError(f"{directory}: no such directory of results")
    return [load(path) for path in sorted(directory.glob("*.json"))]


def newest_with_goals(results):
    """Each benchmark's newest result that has goals. A result without any says nothing for the table: the limiter-on
    half of the API throughput (its cost is in the limiter-off half), or a result of a driver older than the goals."""
    newest = {}
    for result in results:
        if not result.goals:
            continue
        if result.benchmark not in newest or result.written > newest[result.benchmark].written:
            newest[result.benchmark] = result
    return newest


def number(value):
    """As Goal.java writes figures: whole numbers and figures from 100 without decimals, then 1 or 2 decimals."""
    if value == round(value) or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def with_unit(value, unit):
    shown = {"x": "×"}.get(unit, unit)
    attached = unit in ("", "x") or unit.startswith("/")
    return number(value) + ("" if attached else " ") + shown


def goal_text(goal):
    if goal["comparison"] is None:
        return "none set"
    return {"<=": "≤", ">=": "≥"}[goal["comparison"]] + " " + with_unit(goal["limit"], goal["unit"])


def cell(lines):
    """Several lines in one table cell; markdown would take a <uuid> for a tag and a | for the next cell."""
    return "<br>".join(html.escape(line, quote=False).replace("|", "\\|") for line in lines)


def row(number_, name, result):
    runs = f", median of {result.median_of} runs" if result.median_of else ""
    label = f"{number_}. {name} ({result.written.date().isoformat()}{runs})"
    goals = [f"{goal['name']}: {goal_text(goal)}" for goal in result.goals]
    measured = [with_unit(goal["measured"], goal["unit"]) for goal in result.goals]
    verdicts = [verdict(goal) for goal in result.goals]
    return f"| {cell([label])} | {cell(goals)} | {cell(measured)} | {cell(verdicts)} |"


def summary(doc_text, newest):
    """The doc with its summary rows written from the results; rows of benchmarks without a result left as they are."""
    lines = doc_text.split("\n")
    try:
        start = lines.index(START_MARKER)
        end = lines.index(END_MARKER, start)
    except ValueError:
        raise ResultError(f"the doc has no lines {START_MARKER} and, after it, {END_MARKER}") from None
    kept = {}
    for line in lines[start + 1 : end]:
        if line in HEADER or not line.strip():
            continue
        match = TABLE_ROW.match(line)
        if not match:
            raise ResultError(f"the summary holds a line that is not a numbered row of its table: {line!r}")
        kept[int(match.group(1))] = line
    rows = dict(kept)
    for number_, benchmark, name in ROWS:
        if benchmark in newest:
            rows[number_] = row(number_, name, newest[benchmark])
    table = HEADER + [rows[number_] for number_ in sorted(rows)]
    return "\n".join(lines[: start + 1] + table + lines[end:])


def write_summary(directory, doc, output):
    newest = newest_with_goals(results_in(directory))
    output.write_text(summary(doc.read_text(encoding="utf-8"), newest), encoding="utf-8")
    for number_, benchmark, name in ROWS:
        if benchmark in newest:
            print(f"{number_}. {name}: from {newest[benchmark].path}")
        else:
            print(f"{number_}. {name}: no result in {directory}, its row kept as it was")
    print(f"summary written to {output}")


def medians(runs_dir, into):
    """The median of each goal's figure across the runs in runs_dir; printed, and written into `into`."""
    run_dirs = sorted(path for path in runs_dir.iterdir() if path.is_dir()) if runs_dir.is_dir() else []
    if not run_dirs:
        raise ResultError(f"{runs_dir}: no directories of runs in it")
    per_benchmark = {}
    for run_dir in run_dirs:
        for benchmark, result in newest_with_goals(results_in(run_dir)).items():
            per_benchmark.setdefault(benchmark, []).append(result)
    if not per_benchmark:
        raise ResultError(f"{runs_dir}: no results with goals in its runs")
    into.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H-%M-%S.%fZ")
    for benchmark, results in per_benchmark.items():
        figures = {}
        for result in results:
            for goal in result.goals:
                figures.setdefault(goal["name"], (goal, []))[1].append(goal["measured"])
        goals = []
        print(f"\n{benchmark}: medians of {len(results)} runs")
        for name, (first, values) in figures.items():
            goal = {key: first[key] for key in ("name", "goal", "unit", "comparison", "limit")}
            goal["measured"] = statistics.median(values)
            goal["met"] = met(goal)
            goal["verdict"] = verdict(goal)
            goal["runs"] = values
            goals.append(goal)
            each = " / ".join(with_unit(value, goal["unit"]) for value in values)
            bound = "" if goal["comparison"] is None else f" (goal {goal_text(goal)})"
            print(f"  {name}: {with_unit(goal['measured'], goal['unit'])}{bound}: {goal['verdict']}   [{each}]")
        out = into / f"{benchmark}-median-{stamp}.json"
        out.write_text(
            json.dumps(
                {
                    "benchmark": benchmark,
                    "median_of": len(results),
                    "runs": [str(result.path) for result in results],
                    "goals": goals,
                },
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"  medians: {out}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", nargs="?", type=Path, default=ROOT / "bench/results", help="a results directory")
    parser.add_argument("--doc", type=Path, default=ROOT / "docs/benchmarks.md", help="the doc holding the table")
    parser.add_argument("--output", type=Path, help="where to write the doc (default: --doc itself)")
    parser.add_argument("--medians-of", type=Path, help="a directory of runs' results directories (bench-goals)")
    parser.add_argument("--into", type=Path, default=ROOT / "bench/results", help="where --medians-of writes")
    args = parser.parse_args()
    try:
        if args.medians_of:
            medians(args.medians_of, args.into)
        else:
            write_summary(args.results, args.doc, args.output or args.doc)
    except ResultError as error:
        print(f"bench-summary: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

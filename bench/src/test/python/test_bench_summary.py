"""Tests of scripts/bench-summary.py, run as a command as the Makefile runs it (make bench-smoke runs these)."""

import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[4] / "scripts" / "bench-summary.py"

DOC = """# Benchmarks

<!-- summary:start -->
| benchmark | goal | measured | |
| --- | --- | --- | --- |
| 1. proxied command latency (2026-11-23) | by hand | 3.0× | missed |
| 3. API throughput (2026-11-23) | the limiter costs ≤ 10 % | 1.0 % | met |
<!-- summary:end -->

The rest.
"""


def goal(name, measured, comparison="<=", limit=2.0, unit="x"):
    met = None if comparison is None else measured <= limit if comparison == "<=" else measured >= limit
    return {
        "name": name,
        "goal": "none set" if comparison is None else f"{comparison} {limit}{unit}",
        "measured": measured,
        "unit": unit,
        "comparison": comparison,
        "limit": limit if comparison else None,
        "met": met,
        "verdict": {None: "measured", True: "met", False: "missed"}[met],
    }


class BenchSummaryTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.results = self.dir / "results"
        self.results.mkdir()
        self.doc = self.dir / "benchmarks.md"
        self.doc.write_text(DOC, encoding="utf-8")

    def result(self, directory, name, benchmark, goals):
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(json.dumps({"benchmark": benchmark, "goals": goals}), encoding="utf-8")

    def run_script(self, *args):
        return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True)

    def row(self, number):
        return next(line for line in self.doc.read_text(encoding="utf-8").split("\n") if line.startswith(f"| {number}."))

    def test_a_benchmarks_newest_result_writes_its_row_and_the_others_stay(self):
        self.result(self.results, "proxied-latency-2026-12-01T10-00-00Z.json", "proxied-latency", [goal("p50", 9.0)])
        self.result(
            self.results,
            "proxied-latency-2026-12-05T10-00-00.5Z.json",
            "proxied-latency",
            [goal("p50 @ 100/s", 1.5), goal("highest rate", 40.0, ">=", 33.3, "%"), goal("copy", 5.0, None, None, "MB/s")],
        )
        # The limiter-on half has no goals of its own and leaves the API throughput's row alone.
        self.result(self.results, "api-throughput-on-2026-12-05T11-00-00Z.json", "api-throughput", [])

        answer = self.run_script(str(self.results), "--doc", str(self.doc))

        self.assertEqual(answer.returncode, 0, answer.stderr)
        self.assertEqual(
            self.row(1),
            "| 1. proxied command latency (2026-12-05) | p50 @ 100/s: ≤ 2×<br>highest rate: ≥ 33.3 %"
            "<br>copy: none set | 1.50×<br>40 %<br>5 MB/s | met<br>met<br>measured |",
        )
        self.assertEqual(self.row(3), "| 3. API throughput (2026-11-23) | the limiter costs ≤ 10 % | 1.0 % | met |")
        self.assertTrue(self.doc.read_text(encoding="utf-8").endswith("<!-- summary:end -->\n\nThe rest.\n"))

    def test_malformed_json_fails_and_leaves_the_doc_alone(self):
        (self.results / "tunnel-throughput-2026-12-05T10-00-00Z.json").write_text('{"benchmark": "tunn', "utf-8")

        answer = self.run_script(str(self.results), "--doc", str(self.doc))

        self.assertEqual(answer.returncode, 1)
        self.assertIn("tunnel-throughput-2026-12-05T10-00-00Z.json: not readable as JSON", answer.stderr)
        self.assertEqual(self.doc.read_text(encoding="utf-8"), DOC)

    def test_a_verdict_that_contradicts_its_figure_fails(self):
        wrong = goal("p99", 4.0, limit=3.0) | {"met": True, "verdict": "met"}
        self.result(self.results, "revocation-reach-2026-12-05T10-00-00Z.json", "revocation-reach", [wrong])

        answer = self.run_script(str(self.results), "--doc", str(self.doc))

        self.assertEqual(answer.returncode, 1)
        self.assertIn('goal p99: "met" is True, but the figure says False', answer.stderr)

    def test_medians_of_the_runs_are_judged_again_and_fill_the_table(self):
        runs = self.dir / "goals"
        for run, p50 in enumerate([2.5, 1.9, 1.2], start=1):
            self.result(runs / f"run-{run}", f"proxied-latency-2026-12-05T1{run}-00-00Z.json", "proxied-latency",
                        [goal("p50 @ 100/s", p50)])

        medians = self.run_script("--medians-of", str(runs), "--into", str(self.results))
        summary = self.run_script(str(self.results), "--doc", str(self.doc))

        self.assertEqual(medians.returncode, 0, medians.stderr)
        written = json.loads(next(self.results.glob("proxied-latency-median-*.json")).read_text(encoding="utf-8"))
        self.assertEqual(written["median_of"], 3)
        self.assertEqual((written["goals"][0]["measured"], written["goals"][0]["met"]), (1.9, True))
        self.assertEqual(summary.returncode, 0, summary.stderr)
        self.assertRegex(self.row(1), r"^\| 1\. proxied command latency \(\d{4}-\d\d-\d\d, median of 3 runs\) \|")


if __name__ == "__main__":
    unittest.main(verbosity=1)

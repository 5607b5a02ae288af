package dev.rigfleet.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * One figure of a benchmark against its goal (the summary table of docs/benchmarks.md), or a figure that has no goal.
 * The verdict is computed from the figure, never written by hand. Each driver prints its goals with {@link #print}
 * and writes them into its JSON result with {@link #json}; {@code scripts/bench-summary.py} reads them back to write
 * the summary table and to take the medians of {@code make bench-goals}, so the JSON names the bound ({@code
 * comparison}, {@code limit}) as well as the verdict.
 *
 * @param name what was measured, the same in every run (the medians of several runs are matched by it)
 * @param measured the figure, in {@code unit}
 * @param unit appended to the figures: {@code "ms"}, {@code "MB"}, {@code "%"}, {@code "x"}, {@code "/s"}, …
 * @param comparison {@code "<="} or {@code ">="} the limit; {@code null} for a figure without a goal
 * @param limit the goal's bound, in {@code unit}; {@code null} without a goal
 */
record Goal(String name, double measured, String unit, String comparison, Double limit) {

    Goal {
        // The JSON would carry a NaN or an infinity as a string, which no reader takes for a number.
        if (!Double.isFinite(measured)) {
            throw new IllegalArgumentException(name + ": the figure is not a number (" + measured + ")");
        }
    }

    /** A goal met when the figure is at most the limit. */
    static Goal atMost(String name, double measured, double limit, String unit) {
        return new Goal(name, measured, unit, "<=", limit);
    }

    /** A goal met when the figure is at least the limit. */
    static Goal atLeast(String name, double measured, double limit, String unit) {
        return new Goal(name, measured, unit, ">=", limit);
    }

    /** A figure reported without a goal. */
    static Goal measured(String name, double measured, String unit) {
        return new Goal(name, measured, unit, null, null);
    }

    /** {@code true} or {@code false} against the goal; {@code null} when there is none. */
    Boolean met() {
        if (comparison == null) {
            return null;
        }
        return comparison.equals("<=") ? measured <= limit : measured >= limit;
    }

    /** "met", "missed", or "measured" for a figure without a goal. */
    String verdict() {
        Boolean met = met();
        return met == null ? "measured" : met ? "met" : "missed";
    }

    /** The goal as text: {@code "<= 100 MB"}, or {@code "none set"}. */
    String goal() {
        return comparison == null ? "none set" : comparison + " " + withUnit(limit);
    }

    /** Prints the goals as a table: each figure, its goal beside it, and the verdict. */
    static void print(String title, List<Goal> goals) {
        Table table = new Table(title);
        goals.forEach(goal -> table.row(
                goal.name(),
                goal.withUnit(goal.measured())
                        + (goal.comparison() == null ? "" : " (goal " + goal.goal() + ")")
                        + ": "
                        + goal.verdict()));
        table.print();
    }

    /** The goals as the JSON results carry them (under {@code "goals"}). */
    static JsonArray json(List<Goal> goals) {
        JsonArray array = new JsonArray();
        goals.forEach(goal -> array.add(new JsonObject()
                .put("name", goal.name())
                .put("goal", goal.goal())
                .put("measured", goal.measured())
                .put("unit", goal.unit())
                .put("comparison", goal.comparison())
                .put("limit", goal.limit())
                .put("met", goal.met())
                .put("verdict", goal.verdict())));
        return array;
    }

    /** A figure with its unit, as precise as a benchmark's figures are: 1,024 / 99.9 / 3.41; counts whole. */
    private String withUnit(double value) {
        String number;
        if (value == Math.rint(value) || Math.abs(value) >= 100) {
            number = String.format(Locale.ROOT, "%,.0f", value);
        } else if (Math.abs(value) >= 10) {
            number = String.format(Locale.ROOT, "%.1f", value);
        } else {
            number = String.format(Locale.ROOT, "%.2f", value);
        }
        boolean attached = unit.isEmpty() || unit.equals("x") || unit.startsWith("/");
        return number + (attached ? "" : " ") + unit;
    }
}

package dev.rigfleet.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Rows for people: columns aligned, the heading in bold when the output is a terminal. */
final class Table {

    private final List<String> heading;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String... heading) {
        this.heading = List.of(heading);
    }

    Table row(Object... cells) {
        rows.add(Arrays.stream(cells)
                .map(cell -> cell == null ? "-" : cell.toString())
                .toList());
        return this;
    }

    void print(PrintWriter out, boolean colour) {
        int[] widths = new int[heading.size()];
        for (List<String> row : concat()) {
            for (int column = 0; column < widths.length; column++) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        boolean first = true;
        for (List<String> row : concat()) {
            StringBuilder line = new StringBuilder();
            for (int column = 0; column < widths.length; column++) {
                String cell = row.get(column);
                line.append(cell);
                if (column < widths.length - 1) {
                    line.append(" ".repeat(widths[column] - cell.length() + 2));
                }
            }
            String text = line.toString().stripTrailing();
            out.println(first && colour ? "\u001b[1m" + text + "\u001b[0m" : text);
            first = false;
        }
        out.flush();
    }

    private List<List<String>> concat() {
        List<List<String>> all = new ArrayList<>();
        all.add(heading);
        all.addAll(rows);
        return all;
    }
}

package dev.rigfleet.bench;

import java.util.ArrayList;
import java.util.List;

/** A two-column table of results, printed aligned. */
final class Table {

    private final String title;
    private final List<String[]> rows = new ArrayList<>();

    Table(String title) {
        this.title = title;
    }

    Table row(String name, String value) {
        rows.add(new String[] {name, value});
        return this;
    }

    void print() {
        int width = rows.stream().mapToInt(row -> row[0].length()).max().orElse(0);
        System.out.println();
        System.out.println(title);
        System.out.println("-".repeat(title.length()));
        rows.forEach(row -> System.out.printf("%-" + width + "s  %s%n", row[0], row[1]));
        System.out.println();
    }
}

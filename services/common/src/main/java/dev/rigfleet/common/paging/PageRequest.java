package dev.rigfleet.common.paging;

import dev.rigfleet.common.error.ApiException;
import java.util.List;

/**
 * Paging exactly as the spec's {@code GET /instances} describes: {@code max_per_page} 0 (the default) puts every
 * item on one page; otherwise {@code page} (default 1) selects a page, and a page past the end is the last page.
 * Negative or non-numeric values are refused with 400.
 */
public record PageRequest(int maxPerPage, int page) {

    public static final PageRequest ALL = new PageRequest(0, 1);

    /** Parses the raw query values; null means not given. */
    public static PageRequest of(String maxPerPage, String page) {
        int perPage = nonNegative("max_per_page", maxPerPage, 0);
        // Pages count from 1; page=0 is clamped to the first page rather than refused.
        int number = Math.max(1, nonNegative("page", page, 1));
        return new PageRequest(perPage, number);
    }

    public int pageCount(long total) {
        if (maxPerPage == 0 || total == 0) {
            return 1;
        }
        return (int) Math.min(Integer.MAX_VALUE, (total + maxPerPage - 1) / maxPerPage);
    }

    /** The page actually served: the one asked for, or the last one when that lies past the end. */
    public int effectivePage(long total) {
        return Math.min(page, pageCount(total));
    }

    /** Index of the first item of the served page. */
    public long offset(long total) {
        return maxPerPage == 0 ? 0 : (long) (effectivePage(total) - 1) * maxPerPage;
    }

    /** Items on a page: all of them when {@code max_per_page} is 0. */
    public long limit(long total) {
        return maxPerPage == 0 ? total : maxPerPage;
    }

    /** Cuts the served page out of a whole, already sorted list. */
    public <T> Page<T> slice(List<T> sorted) {
        int from = (int) Math.min(sorted.size(), offset(sorted.size()));
        int to = (int) Math.min(sorted.size(), from + limit(sorted.size()));
        return new Page<>(sorted.subList(from, to), pageCount(sorted.size()));
    }

    private static int nonNegative(String name, String raw, int fallback) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value < 0) {
                throw ApiException.badRequest(name + " must not be negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest(name + " must be a whole number, not '" + abbreviate(raw) + "'");
        }
    }

    private static String abbreviate(String raw) {
        return raw.length() > 20 ? raw.substring(0, 20) + "…" : raw;
    }
}

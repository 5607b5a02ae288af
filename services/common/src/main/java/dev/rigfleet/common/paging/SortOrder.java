package dev.rigfleet.common.paging;

import dev.rigfleet.common.error.ApiException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Reads a {@code sort_by} value such as {@code dec_start_date} into the constant of an enum of allowed orders. */
public final class SortOrder {

    private SortOrder() {}

    public static <E extends Enum<E>> E parse(String raw, E fallback) {
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        Class<E> orders = fallback.getDeclaringClass();
        try {
            return Enum.valueOf(orders, raw.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String allowed = Arrays.stream(orders.getEnumConstants())
                    .map(order -> order.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", "));
            throw ApiException.badRequest("sort_by must be one of: " + allowed);
        }
    }
}

package dev.rigfleet.registry.service;

import dev.rigfleet.common.paging.Page;
import dev.rigfleet.common.paging.PageRequest;
import io.quarkus.hibernate.reactive.panache.PanacheQuery;
import io.smallrye.mutiny.Uni;

/** Serves one page of a query by the spec's rule, letting the database count and cut. */
public final class Paging {

    private Paging() {}

    /** The text with LIKE's wildcards escaped (escape character '!'), so that it matches only itself. */
    public static String likeLiteral(String text) {
        return text.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    static <T> Uni<Page<T>> page(PanacheQuery<T> query, PageRequest request) {
        if (request.maxPerPage() == 0) {
            return query.list().map(items -> new Page<>(items, 1));
        }
        return query.count()
                .chain(total -> query.page(request.effectivePage(total) - 1, request.maxPerPage())
                        .list()
                        .map(items -> new Page<>(items, request.pageCount(total))));
    }
}

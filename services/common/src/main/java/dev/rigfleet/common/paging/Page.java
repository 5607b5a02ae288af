package dev.rigfleet.common.paging;

import java.util.List;

/** One page of a list and how many pages the whole list has. */
public record Page<T>(List<T> items, int pageCount) {}

package dev.rigfleet.common.http;

/** The order of the pre-matching request filters: a lower number runs first. */
public final class FilterOrder {

    /** First, so that everything after it can log and answer with the request id. */
    public static final int REQUEST_ID = 10;
    /** Before version negotiation: every answer, a 406 included, counts against the limit. */
    public static final int RATE_LIMIT = 20;

    public static final int API_VERSION = 30;

    private FilterOrder() {}
}

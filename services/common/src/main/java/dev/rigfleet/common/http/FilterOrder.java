package dev.rigfleet.common.http;

/** The order of the pre-matching request filters: a lower number runs first. */
public final class FilterOrder {

    /** First, so that everything after it can log and answer with the request id. */
    public static final int REQUEST_ID = 10;
    /** Before version negotiation: every answer, a 406 included, counts against the limit. */
    public static final int RATE_LIMIT = 20;
    /** After the rate limiter, so that refused requests count like any other. */
    public static final int REQUEST_TARGET = 22;
    /**
     * Before version negotiation, which treats a request with no type (or an empty body) as JSON and so needs the
     * header parsed and the request as the caller sent it.
     */
    public static final int CONTENT_TYPE = 25;

    public static final int API_VERSION = 30;

    private FilterOrder() {}
}

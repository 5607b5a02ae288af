package dev.rigfleet.common.ratelimit;

/**
 * What is left of a principal's allowance after counting one request.
 *
 * @param resetEpochSeconds when the current window ends and the allowance is whole again
 */
public record Quota(long limit, long used, long resetEpochSeconds) {

    public boolean exceeded() {
        return used > limit;
    }

    /** Always below the limit, because the request that produced this answer has been counted. */
    public long remaining() {
        return Math.max(0, limit - used);
    }

    public long retryAfterSeconds(long nowEpochSeconds) {
        return Math.max(1, resetEpochSeconds - nowEpochSeconds);
    }
}

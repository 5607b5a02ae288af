package dev.rigfleet.agent.link;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The agent's one back-off for reaching the platform, used by the link and by enrolment: before each new attempt a
 * random pause between 1 ms and {@code min(max, 250 ms × 2^attempt)} ("full jitter"), the exponent stopping at 16;
 * {@link #reset} after a success. Agents coming back after an outage therefore spread out over the whole window.
 * Not thread-safe: each user keeps its own, on one thread or context.
 */
final class Backoff {

    static final long FIRST_MS = 250;

    private final long maxMillis;
    private int attempt;

    Backoff(Duration max) {
        this.maxMillis = Math.max(1, max.toMillis());
    }

    /** The pause before the next attempt, in milliseconds; each call widens the window for the next. */
    long next() {
        long cap = Math.min(maxMillis, FIRST_MS << Math.min(attempt++, 16));
        return 1 + ThreadLocalRandom.current().nextLong(cap);
    }

    void reset() {
        attempt = 0;
    }
}

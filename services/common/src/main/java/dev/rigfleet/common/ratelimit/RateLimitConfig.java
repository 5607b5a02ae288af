package dev.rigfleet.common.ratelimit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;

@ConfigMapping(prefix = "rigfleet.rate-limit")
public interface RateLimitConfig {

    /** Whether public responses are counted and limited at all. */
    @WithDefault("true")
    boolean enabled();

    /** Length of the fixed window; X-RateLimit-Reset is the end of the current one. */
    @WithDefault("60s")
    Duration window();

    /** Requests per window and principal on routes that belong to no class below. */
    @WithDefault("600")
    long limit();

    /** How long to wait for Redis before letting the request through uncounted (failing open). */
    @WithDefault("250ms")
    Duration redisTimeout();

    /** Route classes with limits of their own, by name; the class with the longest matching path prefix wins. */
    Map<String, RouteClass> classes();

    interface RouteClass {

        /** Path prefixes of this class, such as {@code /token}. */
        List<String> pathPrefixes();

        /** Requests per window and principal on this class's routes. */
        long limit();
    }
}

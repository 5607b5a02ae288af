package dev.rigfleet.common.bus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "rigfleet.bus")
public interface BusConfig {

    /** How long message ids are remembered so that a message seen twice is handled once. */
    @WithDefault("5m")
    Duration dedupWindow();

    /** At most this many remembered message ids; the oldest are forgotten first. */
    @WithDefault("200000")
    long dedupCapacity();

    /** Longest pause between attempts to subscribe again after the connection to Redis drops. */
    @WithDefault("5s")
    Duration maxReconnectDelay();
}

package dev.rigfleet.common.redis;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Where rigfleet's keys and channels live in a Redis server it may share: every key and pub/sub channel starts with
 * the prefix, so that two installations (or two test suites) on one server never see each other's data.
 */
@ConfigMapping(prefix = "rigfleet.redis")
public interface RedisNamespace {

    /** Prepended to every Redis key and pub/sub channel name. */
    @WithDefault("rigfleet:")
    String keyPrefix();
}

package dev.rigfleet.common.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How rigfleet's services prove to each other who is calling an {@code /internal} route. */
@ConfigMapping(prefix = "rigfleet.service-identity")
public interface ServiceIdentityConfig {

    /** This service's name in the tokens it presents, as the routes' {@link InternalApi#callers()} name it. */
    @WithDefault("${quarkus.application.name}")
    String name();

    /**
     * The key that signs and verifies service tokens (HMAC-SHA256), base64 of at least 32 random bytes; shared by
     * the services only: the chart's Secret in a cluster, {@code .run/keys/service.key} under {@code make run}.
     */
    String key();

    /** How long a service token is valid; a service renews its own at half that age. */
    @WithDefault("5m")
    Duration tokenLifetime();
}

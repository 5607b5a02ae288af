package dev.rigfleet.registry.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "rigfleet.registry")
public interface RegistryConfig {

    /** Lifetime of a provisioning key whose request does not say ({@code expires_in}). */
    @WithDefault("P7D")
    Duration provisioningKeyTtl();

    /** The longest lifetime a provisioning key may ask for. */
    @WithDefault("P365D")
    Duration maxProvisioningKeyTtl();

    /** How many devices a provisioning key enrols when its request does not say ({@code max_uses}). */
    @WithDefault("1")
    int provisioningKeyUses();

    /**
     * The key (32 bytes, base64) that secrets the registry keeps, such as owners' git SSH keys, are sealed with
     * (AES-256-GCM). Without it, routes that need a secret answer 503.
     */
    Optional<String> secretsKey();

    /** Online/offline transitions kept per device; older ones are dropped as new ones come. */
    @WithDefault("500")
    int historyPerDevice();

    /**
     * How long the supervisor proxy waits for each device's answer; a device that takes longer is reported as timed
     * out (its command may still run). The reference proxy waits 50 s.
     */
    @WithDefault("50s")
    Duration proxyTimeout();

    /**
     * How long the supervisor proxy trusts what it read of a device (its owner, id and fleet) without reading it
     * again. The registry's device events drop an entry at once on every replica; this bounds an entry whose event
     * was lost.
     */
    @WithDefault("30s")
    Duration proxyDeviceCacheTtl();
}

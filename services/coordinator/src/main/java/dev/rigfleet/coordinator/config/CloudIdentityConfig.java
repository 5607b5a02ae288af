package dev.rigfleet.coordinator.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** What cloud instance identities are checked against. A provider left unconfigured refuses every document. */
@ConfigMapping(prefix = "rigfleet.coordinator.identity")
public interface CloudIdentityConfig {

    /** PEM certificates AWS signs instance identity documents with (one per region in use). */
    Optional<List<Path>> awsCertificates();

    /** PEM CA certificates the signer of Azure's attested data must chain to. */
    Optional<List<Path>> azureCaCertificates();

    /** PEM certificates whose keys sign Google's instance identity tokens. */
    Optional<List<Path>> googleCertificates();

    /** The audience Google identity tokens must be issued for; not checked when unset. */
    Optional<String> googleAudience();

    /** Lifetime of the device session token a verified identity gets. */
    @WithDefault("1h")
    Duration sessionTokenTtl();
}

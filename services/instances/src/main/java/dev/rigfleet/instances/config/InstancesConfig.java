package dev.rigfleet.instances.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "rigfleet.instances")
public interface InstancesConfig {

    /** Live instances (INIT, READY, TERMINATING) one user may have at once; one more is refused with 400. */
    @WithDefault("2")
    int maxInstances();

    /** An instance still INIT after this long fails (INIT_FAIL) and its deployment is freed. */
    @WithDefault("120s")
    Duration initTimeout();

    /** An instance made with {@code keepalive: true} that nobody renewed for this long is terminated. */
    @WithDefault("60s")
    Duration keepaliveTimeout();

    /**
     * How often each replica renews the allocation leases of live instances, ends those past their time-outs, and
     * the like (read by the scheduler, hence a string). Keep it well under the workspaces' lease (5 min).
     */
    @WithDefault("30s")
    String sweepInterval();

    /** A TERMINATING instance whose device never confirmed the end is forced TERMINATED after this long. */
    @WithDefault("60s")
    Duration terminateTimeout();

    /**
     * The address users are told to SSH to ({@code fwd.ipv4}): the public address in front of the coordinators'
     * tunnel ports. Unset, the tunnel's own host (127.0.0.1 on one machine).
     */
    Optional<String> fwdAddress();

    /** 32 bytes, base64: seals the private keys made for users. Unset, only users who bring a key get instances. */
    Optional<String> secretsKey();
}

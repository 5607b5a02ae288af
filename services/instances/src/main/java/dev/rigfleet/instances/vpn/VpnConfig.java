package dev.rigfleet.instances.vpn;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/** Where and how this replica runs instances' VPN servers. */
@ConfigMapping(prefix = "rigfleet.instances.vpn")
public interface VpnConfig {

    /** The address clients are told to connect to ({@code remote} in the .ovpn). Unset: the fwd address, else 127.0.0.1. */
    Optional<String> address();

    /** The TCP ports this replica's VPN servers listen on, {@code first-last}. */
    @WithDefault("11940-11999")
    String ports();

    /** The pool each VPN's own /24 comes from. */
    @WithDefault("10.216.0.0/16")
    String networks();

    /**
     * How often this replica brings its servers in line with what is stored, for what {@code vpn.changed} did not
     * bring it while it was away from the bus (read by the scheduler, hence a string).
     */
    @WithDefault("30s")
    String sweepInterval();

    /** Where the servers' files live (keys among them: private to the service). */
    @WithDefault("${java.io.tmpdir}/rigfleet-vpn")
    Path dir();
}

package dev.rigfleet.workspaces.declared;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Deployments declared as WorkspaceDeployment resources (off outside a cluster; the chart turns it on). */
@ConfigMapping(prefix = "rigfleet.workspaces.kubernetes")
public interface DeclaredConfig {

    @WithDefault("false")
    boolean enabled();

    /** Where the resources are watched; by default the namespace the client runs in (the pod's). */
    Optional<String> namespace();

    /**
     * How often the leader brings every declared deployment in line with its resource and writes the resources'
     * status (online, queue, holder), besides at each change of a resource (read by the scheduler, hence a string).
     */
    @WithDefault("30s")
    String resync();
}

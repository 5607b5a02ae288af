package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.workspaces.model.Deployment;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Whether deployments are online: all of their devices are. Read from presence, the only live source of "online"
 * (the coordinator keeps it), in one round trip however many deployments are asked about; no copy is kept here that
 * could fall behind. When Redis cannot tell, nothing counts as online: hardware is not handed out blind.
 */
@ApplicationScoped
public class DeploymentPresence {

    private final Presence presence;

    public DeploymentPresence(Presence presence) {
        this.presence = presence;
    }

    public Uni<Map<UUID, Boolean>> online(Collection<Deployment> deployments) {
        List<String> devices = deployments.stream()
                .flatMap(d -> d.devices().stream())
                .distinct()
                .toList();
        return presence.online(devices).map(known -> {
            Set<String> up = known.orElse(Set.of());
            Map<UUID, Boolean> online = new HashMap<>();
            deployments.forEach(d -> online.put(d.id(), up.containsAll(d.devices())));
            return online;
        });
    }

    public Uni<Boolean> online(Deployment deployment) {
        return online(List.of(deployment)).map(online -> online.get(deployment.id()));
    }
}

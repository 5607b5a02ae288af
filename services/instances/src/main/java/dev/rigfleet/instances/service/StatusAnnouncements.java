package dev.rigfleet.instances.service;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.instances.client.Workspaces;
import dev.rigfleet.instances.model.Instance;
import dev.rigfleet.instances.model.Instance.Status;
import dev.rigfleet.proto.bus.InstanceStatusChanged;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Objects;
import java.util.Set;

/**
 * Tells a stored transition: on the bus ({@code instance.status}), and to the instance's {@code eurl} for the statuses
 * the reference calls back with (INIT, READY, INIT_FAIL, TERMINATED), owed in the workspaces service's outbox, which
 * delivers by the callback rules. Neither failure undoes the transition: it is logged, and the status stays readable
 * with {@code GET /instance/:id}.
 */
@ApplicationScoped
public class StatusAnnouncements {

    private static final Set<Status> CALLED_BACK =
            Set.of(Status.INIT, Status.READY, Status.INIT_FAIL, Status.TERMINATED);

    private final Bus bus;
    private final Workspaces workspaces;

    public StatusAnnouncements(Bus bus, Workspaces workspaces) {
        this.bus = bus;
        this.workspaces = workspaces;
    }

    public Uni<Void> tell(Instance instance) {
        Uni<Void> published = bus.publish(
                        Topics.INSTANCE_STATUS,
                        InstanceStatusChanged.newBuilder()
                                .setInstanceId(instance.id().toString())
                                .setDeploymentId(instance.deploymentId().toString())
                                .setUserId(instance.userId().toString())
                                .setStatus(instance.status().name())
                                .setReason(Objects.requireNonNullElse(instance.statusReason(), ""))
                                .setAtEpochMs(System.currentTimeMillis())
                                .build())
                .onFailure()
                .invoke(e -> Log.warnf("Instance %s: %s not published (%s)", instance.id(), instance.status(), e))
                .onFailure()
                .recoverWithNull();
        if (instance.eurl() == null || !CALLED_BACK.contains(instance.status())) {
            return published;
        }
        return published.chain(() -> workspaces
                .oweCallback(instance)
                .onFailure()
                .invoke(e -> Log.warnf(
                        "Instance %s: the %s callback to its eurl could not be owed (%s)",
                        instance.id(), instance.status(), e.getMessage()))
                .onFailure()
                .recoverWithNull());
    }
}

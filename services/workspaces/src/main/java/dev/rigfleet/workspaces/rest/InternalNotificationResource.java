package dev.rigfleet.workspaces.rest;

import dev.rigfleet.common.auth.InternalApi;
import dev.rigfleet.workspaces.repository.EurlDeliveryRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Callbacks owed by the instances service (an instance's status, to the eurl it was made with): stored in the same
 * outbox as the reservations' own, and delivered by the same rules (docs/api.md, "Callbacks (eurl)").
 */
@Path("/internal/notifications")
@InternalApi(callers = "instances")
public class InternalNotificationResource {

    /** The reference's body: {@code {id, wd, kind: "instance status", val, user}}. */
    public record InstanceStatus(
            @NotNull UUID id,
            @NotNull UUID wd,

            @NotNull @Pattern(regexp = "INIT|READY|INIT_FAIL|TERMINATED")
            String val,

            @NotBlank @Size(max = 64) String user) {}

    public record Notification(
            @NotNull UUID user,
            @NotBlank @Size(max = 2000) String eurl,
            @Valid @NotNull InstanceStatus status) {}

    private final Pool pool;
    private final EurlDeliveryRepository deliveries;

    public InternalNotificationResource(Pool pool, EurlDeliveryRepository deliveries) {
        this.pool = pool;
        this.deliveries = deliveries;
    }

    @POST
    public Uni<Map<String, Object>> owe(@Valid @NotNull Notification notification) {
        InstanceStatus status = notification.status();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("id", status.id().toString());
        payload.put("wd", status.wd().toString());
        payload.put("kind", "instance status");
        payload.put("val", status.val());
        payload.put("user", status.user());
        return deliveries
                .owe(pool, notification.user(), notification.eurl(), payload, Instant.now())
                .replaceWith(Map.of("owed", true));
    }
}

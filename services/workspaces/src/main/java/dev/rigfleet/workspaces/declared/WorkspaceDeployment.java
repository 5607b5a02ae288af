package dev.rigfleet.workspaces.declared;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import java.util.List;

/** A deployment declared in the cluster: the resource of k8s/workspacedeployment-crd.yaml. */
@Group("rigfleet.dev")
@Version("v1")
public class WorkspaceDeployment extends CustomResource<WorkspaceDeployment.Spec, WorkspaceDeployment.Status>
        implements Namespaced {

    /** What the operator declares; the CRD's schema validates it before it gets here. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(
            String owner,
            String type,
            String host,
            List<String> peripherals,
            String region,
            String description,
            Boolean lockout) {

        List<String> peripheralsOrNone() {
            return peripherals == null ? List.of() : peripherals;
        }

        String regionOrNone() {
            return region == null ? "" : region;
        }

        String descriptionOrNone() {
            return description == null ? "" : description;
        }

        boolean lockedOut() {
            return Boolean.TRUE.equals(lockout);
        }
    }

    /** What the workspaces service writes back. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(
            String deploymentId,
            Long observedGeneration,
            Boolean online,
            Long queueLength,
            String holder,
            List<Condition> conditions) {}

    /** {@code <namespace>/<name>}: how a deployment remembers the resource that declares it. */
    String key() {
        return getMetadata().getNamespace() + "/" + getMetadata().getName();
    }
}

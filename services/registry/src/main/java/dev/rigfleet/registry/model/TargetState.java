package dev.rigfleet.registry.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What a device should run, derived from its fleet's target release (or its pinned one) and the fleet's and
 * device's environment variables. {@code version} grows whenever anything in it changes; the agent acknowledges
 * the version it applied.
 *
 * <p>Each service's environment is the release's own, overlaid with the fleet's variables, overlaid with the
 * device's: the device wins, as on balena.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record TargetState(
        String uuid,
        long deviceId,
        String name,
        long version,
        long appId,
        String fleet,
        TargetRelease release,
        Map<String, String> environment) {

    public record TargetRelease(long releaseId, String commit, List<ServiceSpec> services) {}
}

package dev.rigfleet.registry.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One service of a release. Its {@code uuid} is the service's identity everywhere: the app id of Coder-style
 * app-health reports and the ioFog-style microservice {@code id} (handed to the app as {@code SELFNAME}). It runs
 * either an {@code image} (container runtimes) or a {@code command} (the agent's local-process runtime). Its
 * {@code config} and {@code routes} are what the agent's ioFog-style API serves the app.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceSpec(
        UUID uuid,

        @NotNull @Pattern(regexp = Names.SERVICE, message = Names.SERVICE_RULE)
        String name,

        @Size(max = 512) String image,
        @Size(min = 1, max = 64) List<@NotNull @Size(max = 4096) String> command,
        Map<@Pattern(regexp = Names.ENV, message = Names.ENV_RULE) String, @NotNull @Size(max = 4096) String>
                environment,
        @Valid HealthCheck healthcheck,

        @Pattern(
                regexp = "no|always|on-failure|unless-stopped",
                message = "must be no, always, on-failure or unless-stopped")
        String restart,

        // The ioFog-style configuration the app reads with POST /v2/config/get on its device's agent.
        Map<String, Object> config,

        // The names of the release's services that receive the messages this one publishes (ioFog routes).
        @Size(max = 64) List<@NotNull @Pattern(regexp = Names.SERVICE, message = Names.SERVICE_RULE) String> routes) {

    /** A command the runtime runs in the service's environment; exit status 0 means healthy. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record HealthCheck(
            @NotEmpty List<@NotNull String> command,

            @JsonProperty("interval_seconds") @Min(1) @Max(3600)
            Integer intervalSeconds,

            @JsonProperty("timeout_seconds") @Min(1) @Max(3600)
            Integer timeoutSeconds,

            @Min(1) @Max(100) Integer retries) {}

    @AssertTrue(message = "give exactly one of image and command")
    boolean isRunnable() {
        return (image == null) != (command == null);
    }

    /**
     * The spec as stored: with its identity (the one given, else {@code previous}, the uuid of the service of that
     * name in the fleet's latest release, so that a service keeps its identity from release to release; else a new
     * one) and the defaults written out.
     */
    public ServiceSpec normalized(UUID previous) {
        return new ServiceSpec(
                uuid != null ? uuid : previous != null ? previous : UUID.randomUUID(),
                name,
                image,
                command,
                environment == null ? Map.of() : environment,
                healthcheck,
                restart == null ? "always" : restart,
                config == null ? Map.of() : config,
                routes == null ? List.of() : routes);
    }
}

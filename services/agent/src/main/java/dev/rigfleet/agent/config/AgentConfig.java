package dev.rigfleet.agent.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

@ConfigMapping(prefix = "rigfleet.agent")
public interface AgentConfig {

    /**
     * Base URLs of the platform the agent dials home to (the entry point, or the coordinators' Service), tried in
     * turn; none means the agent serves its local APIs only. {@code wss://}/{@code https://}, or plain to loopback.
     */
    Optional<List<URI>> servers();

    /** Where {@code POST /provision} is; defaults to the first server (an entry point routes it to the registry). */
    Optional<URI> provisioningUrl();

    /** A provisioning key to enrol with, used once when the agent has no identity yet. */
    Optional<String> provisioningKey();

    /** The device name asked for at enrolment; the registry makes one when absent. */
    Optional<String> name();

    /** Where the agent keeps its identity (readable by its own user only) and its last target state. */
    @WithDefault("/var/lib/rigfleet-agent")
    Path stateDir();

    /** PEM certificates to trust for TLS instead of the system's. */
    Optional<Path> caFile();

    /** Allows plain ws:// and http:// to hosts other than loopback. */
    @WithDefault("false")
    boolean insecure();

    /** The longest pause between attempts to reach the platform. */
    @WithDefault("30s")
    Duration maxBackoff();

    /** State reports kept while offline; past it the oldest are dropped and counted. */
    @WithDefault("1000")
    int reportBuffer();

    /**
     * The user terminal sessions run as. Unset, it is the agent's own user, except that an agent running as root
     * refuses terminals until this names a user (root too, if that is really meant).
     */
    Optional<String> sessionUser();

    /** A terminal session with no client attached ends after this long. */
    @WithDefault("5m")
    Duration ptyIdleTimeout();

    /**
     * What reboot, shutdown, blink and host name changes do: {@code recording} (the default) only records and logs
     * them; {@code linux} acts on the machine. Demos and tests never set {@code linux}.
     */
    @WithDefault("recording")
    String hostControl();

    /** The LED that {@code POST /v1/blink} blinks, under /sys/class/leds (host control {@code linux} only). */
    Optional<Path> led();

    /** How long an operation on a service waits for another operation of the agent on it before answering 423. */
    @WithDefault("5s")
    Duration lockWait();

    /**
     * Where each service's update lock directory is made, named by the service's uuid; unset, {@code
     * <state-dir>/apps/<uuid>/lock}. A tmpfs (say {@code /tmp/balena-supervisor/services}, the reference's) makes
     * locks end with a reboot, as balena's do.
     */
    Optional<Path> lockDir();

    /**
     * Where the device's apps reach the supervisor API, handed to them as *_SUPERVISOR_ADDRESS; by default
     * {@code http://127.0.0.1:<quarkus.http.port>}.
     */
    Optional<String> supervisorAddress();

    /** Where the ioFog-compatible API listens; loopback unless an owner opens it to, say, a container bridge. */
    @WithDefault("127.0.0.1")
    String iofogHost();

    @WithDefault("54321")
    int iofogPort();

    /**
     * How long a frame on an ioFog socket (a control signal, a message) waits for its acknowledgement before it is
     * sent again; the reference agent's 20 s.
     */
    @WithDefault("20s")
    Duration iofogResendInterval();

    /**
     * The file whose first line is the ioFog API's Authorization key, readable only by the agent's user (root on a
     * device); made with a random key when missing.
     */
    @WithDefault("/etc/iofog-agent/local-api")
    Path iofogKeyFile();

    /**
     * How services run: {@code process} (local processes, the default) or {@code engine} (containers, through the
     * Docker Engine API of Docker, balenaEngine or Podman).
     */
    @WithDefault("process")
    String runtime();

    /** The container engine's API socket (runtime {@code engine}). */
    @WithDefault("/var/run/docker.sock")
    Path engineSocket();

    /**
     * How instances run (docs/agent-protocol.md, "Instances"): {@code local} (the default: an SSH server in the agent,
     * sessions as the session user, no isolation beyond that user) or {@code container} (a container of
     * {@code instance-image} with its own sshd and network namespace, through the engine's API; the agent must run as
     * root).
     */
    @WithDefault("local")
    String instanceRuntime();

    /** The image of the container instance runtime (scripts/instance-image.sh builds one from Debian's packages). */
    Optional<String> instanceImage();

    /** The network containers join (runtime {@code engine}): {@code host} reaches the agent's loopback APIs. */
    @WithDefault("host")
    String engineNetwork();
}

package dev.rigfleet.instances;

import com.google.protobuf.ByteString;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A device's agent as the instances service reaches it in its tests: the device is held, in presence, by the test's
 * own bus replica, so that the real {@code DeviceCommands} route the instance commands over the real bus to this
 * double, which answers as the agent's native commands do (docs/agent-protocol.md) or as a test tells it to. The
 * real agent answers in e2e.
 */
public final class AgentDouble {

    /** How the double answers {@code POST /rigfleet/v1/instances}. */
    public enum Mode {
        /** 200 with a port and a host key. */
        STARTS,
        /** 500 with an error message. */
        FAILS,
        /** Never answers (the command times out). */
        SILENT
    }

    public static final String DEVICE = "0123456789abcdef0123456789abcdef";
    public static final String HOST_KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDgP0QZ8aR5Eo8Rj1lKk4b1H0P2mC9v0Qm6W8v3Z6k9x";

    /** Every command it got, in order. */
    public static final List<CommandRequest> RECEIVED = new CopyOnWriteArrayList<>();
    /** What it runs: instance id → port. */
    public static final Map<String, Integer> RUNNING = new ConcurrentHashMap<>();
    /** The instance's own OpenVPN client configuration of each instance started on a VPN. */
    public static final Map<String, String> VPN_CLIENTS = new ConcurrentHashMap<>();

    private static volatile Mode starting = Mode.STARTS;
    private static volatile boolean stops = true;
    private static volatile boolean registered;

    private AgentDouble() {}

    /** Holds the device for this bus's replica and answers its commands from now on (again: renews the hold). */
    public static void connect(Bus bus, Presence presence) {
        presence.claim(DEVICE, bus.replicaId(), Duration.ofMinutes(10)).await().indefinitely();
        if (!registered) {
            registered = true;
            bus.onRequest(Topics.DEVICE_COMMAND, (command, deadline) -> answer(command.getRequest()));
        }
    }

    public static void startsInstances(Mode mode) {
        starting = mode;
    }

    /** Whether {@code POST /rigfleet/v1/instances/stop} is answered (false: it never is). */
    public static void stopsInstances(boolean answers) {
        stops = answers;
    }

    /** The agent restarted: it runs nothing. */
    public static void forgetEverything() {
        RUNNING.clear();
    }

    public static void reset() {
        starting = Mode.STARTS;
        stops = true;
    }

    private static Uni<CommandResponse> answer(CommandRequest request) {
        RECEIVED.add(request);
        JsonObject body = request.getBody().isEmpty()
                ? new JsonObject()
                : new JsonObject(request.getBody().toStringUtf8());
        String route = request.getMethod() + " " + request.getPath();
        switch (route) {
            case "POST /rigfleet/v1/instances" -> {
                if (starting == Mode.SILENT) {
                    return Uni.createFrom().nothing();
                }
                if (starting == Mode.FAILS) {
                    return json(500, new JsonObject().put("error_message", "no space left on device"));
                }
                int port = RUNNING.computeIfAbsent(body.getString("id"), id -> 30000 + RUNNING.size());
                JsonObject vpn = body.getJsonObject("vpn");
                if (vpn != null) {
                    VPN_CLIENTS.put(body.getString("id"), vpn.getString("ovpn"));
                }
                return json(
                        200,
                        new JsonObject()
                                .put("id", body.getString("id"))
                                .put("port", port)
                                .put("hostkeys", new JsonArray().add(HOST_KEY)));
            }
            case "POST /rigfleet/v1/instances/stop" -> {
                if (!stops) {
                    return Uni.createFrom().nothing();
                }
                boolean stopped = RUNNING.remove(body.getString("id")) != null;
                return json(
                        200, new JsonObject().put("id", body.getString("id")).put("stopped", stopped));
            }
            case "POST /rigfleet/v1/instances/firewall" -> {
                return json(
                        200, new JsonObject().put("id", body.getString("id")).put("applied", false));
            }
            case "GET /rigfleet/v1/instances" -> {
                JsonArray listed = new JsonArray();
                RUNNING.forEach((id, port) -> listed.add(new JsonObject()
                        .put("id", id)
                        .put("port", port)
                        .put("hostkeys", new JsonArray().add(HOST_KEY))));
                return json(200, new JsonObject().put("instances", listed));
            }
            default -> {
                return json(404, new JsonObject().put("error_message", "no native command " + route));
            }
        }
    }

    private static Uni<CommandResponse> json(int status, JsonObject body) {
        return Uni.createFrom()
                .item(CommandResponse.newBuilder()
                        .setStatus(status)
                        .setContentType("application/json")
                        .setBody(ByteString.copyFromUtf8(body.encode()))
                        .build());
    }
}

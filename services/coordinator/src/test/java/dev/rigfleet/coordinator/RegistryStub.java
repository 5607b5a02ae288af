package dev.rigfleet.coordinator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.ServiceCallers;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the registry's {@code /internal/devices} routes in the coordinator's own tests; the real registry
 * and coordinator meet in e2e. Lives in one JVM with the test, across class loaders, so its state is static.
 */
public final class RegistryStub {

    public record Device(String uuid, long deviceId, long appId, String owner) {}

    private static final Map<String, Device> BY_CREDENTIAL_SHA256 = new ConcurrentHashMap<>();
    private static final Map<String, Long> TARGET_VERSIONS = new ConcurrentHashMap<>();
    private static final Map<String, Device> BY_CLOUD_INSTANCE = new ConcurrentHashMap<>();
    /** The registry's user view of a device, and the bearer token of the one user who may see it. */
    private static final Map<String, String> OWNER_VIEW = new ConcurrentHashMap<>();

    private static final Map<String, String> OWNER_TOKEN = new ConcurrentHashMap<>();
    private static final Map<String, String> SERVICES_JSON = new ConcurrentHashMap<>();
    private static final List<String> TRANSITIONS = new CopyOnWriteArrayList<>();
    private static final Map<String, String> REPORTED = new ConcurrentHashMap<>();
    private static final AtomicInteger REPORT_FAILURES_TO_COME = new AtomicInteger();
    private static final AtomicInteger REPORT_ATTEMPTS = new AtomicInteger();
    /** Devices whose target state is answered only once their latch opens (a slow registry). */
    private static final Map<String, CountDownLatch> HELD_TARGET_STATES = new ConcurrentHashMap<>();

    private static HttpServer server;

    private RegistryStub() {}

    public static synchronized String start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // A thread per exchange, so that a held answer does not hold up the others.
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/internal/devices/", RegistryStub::handle);
            server.createContext("/devices/", RegistryStub::handleOwner);
            server.createContext("/internal/owners/", exchange -> {
                if (!fromCoordinator(exchange)) {
                    return;
                }
                String owner = exchange.getRequestURI().getPath().split("/")[3];
                answer(
                        exchange,
                        200,
                        "{\"public_key\":\"ecdsa-sha2-nistp256 AAAA" + owner
                                + "\",\"private_key\":\"-----BEGIN OPENSSH PRIVATE KEY-----\"}");
            });
            server.start();
        }
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Enrols a new device with a random credential; answers its uuid and credential. */
    public static String[] enrolNewDevice() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String credential = HexFormat.of().formatHex(random);
        String uuid = UUID.randomUUID().toString().replace("-", "");
        enrol(
                TokenHashes.sha256(credential),
                new Device(uuid, 7, 3, UUID.randomUUID().toString()));
        return new String[] {uuid, credential};
    }

    public static void enrol(String credentialSha256, Device device) {
        BY_CREDENTIAL_SHA256.put(credentialSha256, device);
        TARGET_VERSIONS.put(device.uuid(), 1L);
    }

    /** Enrols the device on a cloud instance, as "provider/instance-id". */
    public static void onInstance(String providerAndInstance, Device device) {
        BY_CLOUD_INSTANCE.put(providerAndInstance, device);
    }

    /** What GET /devices/{uuid} answers to the owner's token; anyone else gets 404, as from the registry. */
    public static void ownerView(String uuid, String ownerToken, String deviceJson) {
        OWNER_VIEW.put(uuid, deviceJson);
        OWNER_TOKEN.put(uuid, "Bearer " + ownerToken);
    }

    public static void revoke(String credentialSha256) {
        BY_CREDENTIAL_SHA256.remove(credentialSha256);
    }

    /** Gives the device a target release with one local-process service of this uuid and name. */
    public static void setService(String deviceUuid, String serviceUuid, String name) {
        SERVICES_JSON.put(
                deviceUuid,
                String.format(
                        "{\"releaseId\":1,\"commit\":\"c1\",\"services\":[{\"uuid\":\"%s\",\"name\":\"%s\","
                                + "\"command\":[\"python3\",\"app.py\"],\"environment\":{},"
                                + "\"healthcheck\":{\"command\":[\"true\"],\"interval_seconds\":5,\"retries\":3},"
                                + "\"restart\":\"always\"}]}",
                        serviceUuid, name));
    }

    /** Holds the answers to the device's target-state requests until the latch answered here opens. */
    public static CountDownLatch holdTargetState(String uuid) {
        CountDownLatch latch = new CountDownLatch(1);
        HELD_TARGET_STATES.put(uuid, latch);
        return latch;
    }

    public static void setTargetVersion(String uuid, long version) {
        TARGET_VERSIONS.put(uuid, version);
    }

    /** "uuid online|offline" lines, in order. */
    public static List<String> transitions() {
        return TRANSITIONS;
    }

    public static String reportedState(String uuid) {
        return REPORTED.get(uuid);
    }

    public static void failNextReports(int count) {
        REPORT_FAILURES_TO_COME.set(count);
    }

    public static int reportAttempts() {
        return REPORT_ATTEMPTS.get();
    }

    private static void handleOwner(HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().split("/");
        String uuid = parts[2];
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (!ServiceCallers.isValidUser(authorization)) {
            answer(exchange, 401, "{\"error_message\":\"wrong authorization token\"}");
        } else if (!OWNER_VIEW.containsKey(uuid) || !OWNER_TOKEN.get(uuid).equals(authorization)) {
            answer(exchange, 404, "{\"error_message\":\"no device " + uuid + "\"}");
        } else if (parts.length > 3 && parts[3].equals("target-state")) {
            answer(
                    exchange,
                    200,
                    String.format(
                            "{\"uuid\":\"%s\",\"version\":1,\"release\":%s,\"environment\":{\"LAB\":\"north\"}}",
                            uuid, SERVICES_JSON.getOrDefault(uuid, "null")));
        } else {
            answer(exchange, 200, OWNER_VIEW.get(uuid));
        }
    }

    /** As the registry does: its internal routes answer only the coordinator's service token. */
    private static boolean fromCoordinator(HttpExchange exchange) throws IOException {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (ServiceCallers.of(authorization).filter("coordinator"::equals).isPresent()) {
            return true;
        }
        answer(exchange, 401, "{\"error_message\":\"this route needs a service token\"}");
        return false;
    }

    private static void handle(HttpExchange exchange) throws IOException {
        if (!fromCoordinator(exchange)) {
            return;
        }
        String[] parts = exchange.getRequestURI().getPath().split("/");
        // /internal/devices/{a}/{b}
        String first = parts[3];
        String second = parts.length > 4 ? parts[4] : "";
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (first.equals("by-cloud-identity")) {
            Device device = BY_CLOUD_INSTANCE.get(second + "/" + parts[5]);
            answer(exchange, device == null ? 404 : 200, device == null ? "{}" : identity(device));
        } else if (first.equals("by-credential")) {
            Device device = BY_CREDENTIAL_SHA256.get(second);
            if (device == null) {
                answer(exchange, 404, "{\"error_message\":\"no device has that credential\"}");
            } else {
                answer(
                        exchange,
                        200,
                        String.format(
                                "{\"uuid\":\"%s\",\"deviceId\":%d,\"appId\":%d,\"owner\":\"%s\"}",
                                device.uuid(), device.deviceId(), device.appId(), device.owner()));
            }
        } else if (second.equals("target-state")) {
            CountDownLatch held = HELD_TARGET_STATES.get(first);
            if (held != null) {
                try {
                    held.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer(
                    exchange,
                    200,
                    String.format(
                            "{\"uuid\":\"%s\",\"version\":%d,\"release\":%s,\"environment\":{\"LAB\":\"north\"}}",
                            first, TARGET_VERSIONS.getOrDefault(first, 1L), SERVICES_JSON.getOrDefault(first, "null")));
        } else if (second.equals("transitions")) {
            TRANSITIONS.add(first + (body.contains("\"online\":true") ? " online" : " offline"));
            answer(exchange, 204, null);
        } else if (second.equals("reported-state")) {
            REPORT_ATTEMPTS.incrementAndGet();
            if (REPORT_FAILURES_TO_COME.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                answer(exchange, 503, "{\"error_message\":\"database busy\"}");
            } else {
                REPORTED.put(first, body);
                answer(exchange, 204, null);
            }
        } else {
            answer(exchange, 404, "{}");
        }
    }

    private static String identity(Device device) {
        return String.format(
                "{\"uuid\":\"%s\",\"deviceId\":%d,\"appId\":%d,\"owner\":\"%s\"}",
                device.uuid(), device.deviceId(), device.appId(), device.owner());
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        if (json == null) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}

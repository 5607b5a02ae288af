package dev.rigfleet.bench;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Devices enrolled for a benchmark as an owner enrols them: a fleet of the admin's, one provisioning key for all of
 * them, and {@code POST /provision} per device, several at a time.
 */
final class Enrolment {

    /** An enrolled device: its uuid and the credential its agent dials home with. */
    record Device(String uuid, String credential) {

        static Device parse(String line) {
            String[] parts = line.trim().split(" ");
            return new Device(parts[0], parts[1]);
        }

        String line() {
            return uuid + " " + credential;
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final int AT_ONCE = 16;

    private Enrolment() {}

    /** Enrols {@code count} devices in a new fleet named {@code fleet} + the time, owned by the admin. */
    static List<Device> enrol(String registry, String adminToken, String fleet, int count) throws Exception {
        JsonObject created = call(
                registry + "/fleets",
                adminToken,
                new JsonObject().put("name", fleet + "-" + System.currentTimeMillis()),
                201);
        JsonObject key = call(
                registry + "/fleets/" + created.getLong("appId") + "/provisioning-keys",
                adminToken,
                new JsonObject().put("max_uses", count).put("description", "benchmark agents"),
                201);
        String provisioningKey = key.getString("provisioning_key");
        ExecutorService callers = Executors.newFixedThreadPool(AT_ONCE);
        try {
            List<Future<Device>> enrolled = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                enrolled.add(callers.submit(() -> {
                    JsonObject device = call(
                            registry + "/provision",
                            null,
                            new JsonObject().put("provisioning_key", provisioningKey),
                            201);
                    return new Device(device.getString("uuid"), device.getString("credential"));
                }));
            }
            List<Device> devices = new ArrayList<>();
            for (Future<Device> device : enrolled) {
                devices.add(device.get());
            }
            return devices;
        } finally {
            callers.shutdownNow();
        }
    }

    static void write(List<Device> devices, Path file) throws IOException {
        Files.write(file, devices.stream().map(Device::line).toList());
    }

    static List<Device> read(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .filter(line -> !line.isBlank())
                .map(Device::parse)
                .toList();
    }

    /** POSTs JSON and answers the JSON body; any other status than {@code expected} fails the benchmark. */
    static JsonObject call(String url, String token, JsonObject body, int expected) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode()));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> answer = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != expected) {
            throw new IllegalStateException("POST " + url + " answered " + answer.statusCode() + ": " + answer.body());
        }
        return new JsonObject(answer.body());
    }
}

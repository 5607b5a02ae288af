package dev.rigfleet.agent.link;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rigfleet.agent.config.AgentConfig;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A first start while the platform is down: the local APIs come up at once, enrolment keeps trying, and the device
 * enrols as soon as the platform is up, without a restart.
 */
@QuarkusTest
@TestProfile(EnrolmentTest.PlatformDownAtFirst.class)
class EnrolmentTest {

    private static final String UUID = "fedcba9876543210fedcba9876543210";

    /** A device with a provisioning key and no identity, dialling a port where nothing listens yet. */
    public static class PlatformDownAtFirst implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try (ServerSocket free = new ServerSocket(0)) {
                Path state = Files.createTempDirectory("rigfleet-agent-enrolment");
                return Map.of(
                        "rigfleet.agent.state-dir",
                        state.toString(),
                        "rigfleet.agent.servers",
                        "http://127.0.0.1:" + free.getLocalPort(),
                        "rigfleet.agent.provisioning-key",
                        "key-for-late-platform",
                        "rigfleet.agent.name",
                        "late-rig",
                        "rigfleet.agent.max-backoff",
                        "300ms",
                        "rigfleet.agent.iofog-key-file",
                        state.resolve("local-api").toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    DeviceLink link;

    @Inject
    AgentConfig config;

    @Test
    void aPlatformThatComesUpLateEnrolsTheDeviceWithoutARestart() throws Exception {
        given().get("/ping").then().statusCode(200);
        int port = config.servers().orElseThrow().get(0).getPort();
        // A platform that is down: connections to it close at once. Several attempts fail meanwhile (the back-off
        // is at most 300 ms here), and the agent keeps serving its local API.
        AtomicInteger failedAttempts = new AtomicInteger();
        try (ServerSocket down = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            Thread closer = new Thread(() -> {
                while (!down.isClosed()) {
                    try (Socket attempt = down.accept()) {
                        failedAttempts.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            closer.setDaemon(true);
            closer.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> failedAttempts.get() >= 3);
        }
        given().get("/ping").then().statusCode(200);
        assertTrue(link.identity().isEmpty());
        assertTrue(Files.notExists(config.stateDir().resolve(DeviceIdentity.FILE)));

        var asked = new CopyOnWriteArrayList<JsonObject>();
        // The JDK's server: a second Vert.x HTTP server on the application's Vert.x would register its metrics twice.
        HttpServer platform = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        platform.createContext("/", exchange -> {
            byte[] answer = new byte[0];
            int status = 404;
            if (exchange.getRequestURI().getPath().equals("/provision")) {
                asked.add(new JsonObject(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                status = 201;
                answer = new JsonObject()
                        .put("uuid", UUID)
                        .put("deviceId", 12)
                        .put("appId", 3)
                        .put("name", "late-rig")
                        .put("credential", "e".repeat(64))
                        .encode()
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
            }
            exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        platform.start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> link.identity().isPresent());

            assertEquals(UUID, link.identity().get().uuid());
            assertTrue(link.dialling());
            assertEquals(1, asked.size());
            assertEquals("key-for-late-platform", asked.get(0).getString("provisioning_key"));
            assertEquals("late-rig", asked.get(0).getString("name"));
            assertEquals(
                    UUID, DeviceIdentity.load(config.stateDir()).orElseThrow().uuid());
        } finally {
            platform.stop(0);
        }
    }
}

package dev.rigfleet.agent.iofog;

import static dev.rigfleet.agent.iofog.IoFogApps.message;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rigfleet.agent.supervisor.SupervisorKey;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The control and message sockets open only for the uuid of a service the device runs, exactly as the target state
 * spells it; anything else, however it is dressed up, is refused with 404 before the upgrade.
 */
@QuarkusTest
class IoFogSocketIdsTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final List<String> ROUTES = List.of("/v2/control/socket/id/", "/v2/message/socket/id/");

    /** What follows a route's prefix: {id} is a running service's uuid, {ID} the same in upper case. */
    private static final List<String> NOT_A_RUNNING_ID = List.of(
            "../../etc/passwd",
            "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
            "%2e%2e/%2e%2e/etc/passwd",
            "{id}/",
            "{id}/../{id}",
            "{id};params",
            "{id}%2F",
            "%2E%2E%2F{id}",
            "{id%2D}",
            "/{id}",
            "{ID}",
            "",
            "{other}");

    @Inject
    IoFogServer server;

    @Inject
    SupervisorKey supervisorKey;

    @Inject
    Vertx vertx;

    private WebSocketClient client;
    private String sensor;
    private String logger;

    @BeforeEach
    void twoApps() {
        client = vertx.createWebSocketClient();
        sensor = UUID.randomUUID().toString();
        logger = UUID.randomUUID().toString();
        IoFogApps.setTarget(supervisorKey, sensor, logger, "{\"rate_hz\":10}", 1);
    }

    @AfterEach
    void closeClient() {
        client.close();
    }

    static Stream<String> pathsThatNameNoRunningService() {
        return ROUTES.stream()
                .flatMap(route -> Stream.concat(
                        NOT_A_RUNNING_ID.stream().map(id -> route + id),
                        // A double slash inside the route's prefix.
                        Stream.of(
                                route.replace("/socket/", "/socket//") + "{id}",
                                route.replace("/v2/", "/v2//") + "{id}")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pathsThatNameNoRunningService")
    void aSocketForAnythingButARunningServicesIdIsRefusedWith404(String template) throws Exception {
        String path = template.replace("{id%2D}", sensor.replaceFirst("-", "%2D"))
                .replace("{id}", sensor)
                .replace("{ID}", sensor.toUpperCase(Locale.ROOT))
                .replace("{other}", UUID.randomUUID().toString());
        assertEquals(404, refusal(path), path);
    }

    @Test
    void aServiceThatLeftTheReleaseCannotOpenItsSocketsAnyMore() throws Exception {
        WebSocket before = connect("/v2/control/socket/id/" + sensor, new CopyOnWriteArrayList<>());
        before.close();
        IoFogApps.setTarget(supervisorKey, UUID.randomUUID().toString(), logger, "{}", 2);
        for (String route : ROUTES) {
            assertEquals(404, refusal(route + sensor), route);
        }
    }

    @Test
    void aRunningServiceStillOpensBothSocketsAndGetsItsMessages() throws Exception {
        List<Buffer> signals = new CopyOnWriteArrayList<>();
        List<Buffer> toLogger = new CopyOnWriteArrayList<>();
        WebSocket control = connect("/v2/control/socket/id/" + sensor, signals);
        WebSocket messages = connect("/v2/message/socket/id/" + logger, toLogger);
        // A refused look-alike takes nothing over from the open sockets.
        assertEquals(404, refusal("/v2/message/socket/id/" + logger.toUpperCase(Locale.ROOT)));

        given().port(server.port())
                .contentType(ContentType.JSON)
                .body(message(sensor, "21.5 C"))
                .post("/v2/messages/new")
                .then()
                .statusCode(200);
        await().atMost(WAIT).until(() -> !toLogger.isEmpty());
        Buffer pushed = toLogger.get(0);
        assertEquals(IoFogMessages.OP_MESSAGE, pushed.getByte(0));
        assertEquals(
                sensor,
                IoMessage.fromBytes(pushed.getBytes(5, 5 + pushed.getInt(1))).publisher());

        IoFogApps.setTarget(supervisorKey, sensor, logger, "{\"rate_hz\":20}", 2);
        await().atMost(WAIT)
                .until(() -> signals.stream()
                        .anyMatch(signal -> signal.length() == 1 && signal.getByte(0) == ControlSockets.OP_NEW_CONFIG));
        control.close();
        messages.close();
    }

    @Test
    void aQueryStringIsNotPartOfTheId() throws Exception {
        for (String route : ROUTES) {
            WebSocket socket = connect(route + sensor + "?sdk=java", new CopyOnWriteArrayList<>());
            assertFalse(socket.isClosed(), route);
            socket.close();
        }
    }

    private WebSocket connect(String path, List<Buffer> frames) throws Exception {
        WebSocket socket = client.connect(server.port(), "127.0.0.1", path)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        socket.binaryMessageHandler(frames::add);
        return socket;
    }

    /** The status the upgrade to {@code path} was refused with; fails the test if it was accepted. */
    private int refusal(String path) {
        ExecutionException failed = assertThrows(
                ExecutionException.class,
                () -> client.connect(server.port(), "127.0.0.1", path)
                        .toCompletionStage()
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS),
                path + " was upgraded");
        return assertInstanceOf(UpgradeRejectedException.class, failed.getCause(), path)
                .getStatus();
    }
}

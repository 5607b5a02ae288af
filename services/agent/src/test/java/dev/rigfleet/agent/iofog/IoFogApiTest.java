package dev.rigfleet.agent.iofog;

import static dev.rigfleet.agent.iofog.IoFogApps.message;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.instanceOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.supervisor.SupervisorKey;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import jakarta.inject.Inject;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ioFog-compatible API on a running agent: configuration and its change signal, messages between two apps over
 * REST and the message socket, and the key-guarded agent routes.
 */
@QuarkusTest
class IoFogApiTest {

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Inject
    IoFogServer server;

    @Inject
    SupervisorKey supervisorKey;

    @Inject
    AgentConfig config;

    @Inject
    Vertx vertx;

    private final ObjectMapper json = new ObjectMapper();
    private String sensor;
    private String logger;

    /** Two apps: the sensor's messages are routed to the logger. */
    @BeforeEach
    void twoApps() {
        sensor = UUID.randomUUID().toString();
        logger = UUID.randomUUID().toString();
        setTarget("{\"rate_hz\":10}", 1);
    }

    private void setTarget(String sensorConfig, long releaseId) {
        IoFogApps.setTarget(supervisorKey, sensor, logger, sensorConfig, releaseId);
    }

    private RequestSpecification iofog() {
        return given().port(server.port());
    }

    private String key() throws Exception {
        return Files.readAllLines(config.iofogKeyFile()).get(0).trim();
    }

    @Test
    void anAppGetsItsConfigurationAsAString() {
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", sensor))
                .post("/v2/config/get")
                .then()
                .statusCode(200)
                .body("status", equalTo("okay"))
                .body("config", equalTo("{\"rate_hz\":10}"));
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", "nobody"))
                .post("/v2/config/get")
                .then()
                .statusCode(400)
                .body("status", equalTo("failed"));
        iofog().contentType(ContentType.TEXT)
                .body("{\"id\":\"" + sensor + "\"}")
                .post("/v2/config/get")
                .then()
                .statusCode(400);
        iofog().contentType(ContentType.JSON)
                .body("{\"id\":")
                .post("/v2/config/get")
                .then()
                .statusCode(400);
        iofog().get("/v2/config/get").then().statusCode(405);
    }

    @Test
    void aConfigurationChangeIsSignalledWithTwelveAndAcknowledgedWithEleven() throws Exception {
        List<Byte> signals = new CopyOnWriteArrayList<>();
        WebSocket control = vertx.createWebSocketClient()
                .connect(server.port(), "127.0.0.1", "/v2/control/socket/id/" + sensor)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        control.binaryMessageHandler(frame -> {
            signals.add(frame.getByte(0));
            control.writeBinaryMessage(Buffer.buffer(new byte[] {ControlSockets.OP_ACK}));
        });
        setTarget("{\"rate_hz\":20}", 2);
        await().atMost(WAIT).until(() -> signals.contains((byte) 12));
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", sensor))
                .post("/v2/config/get")
                .then()
                .body("config", equalTo("{\"rate_hz\":20}"));
        control.close();
    }

    @Test
    void appsExchangeMessagesOverRestAndQueryThem() throws Exception {
        long before = System.currentTimeMillis();
        iofog().contentType(ContentType.JSON)
                .body(message(sensor, "21.5 C"))
                .post("/v2/messages/new")
                .then()
                .statusCode(200)
                .body("status", equalTo("okay"))
                .body("id", instanceOf(String.class))
                .body("timestamp", instanceOf(Number.class));
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", logger))
                .post("/v2/messages/next")
                .then()
                .statusCode(200)
                .body("count", equalTo(1))
                .body("messages[0].publisher", equalTo(sensor))
                .body("messages[0].contentdata", equalTo(Base64.getEncoder().encodeToString("21.5 C".getBytes())));
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", logger))
                .post("/v2/messages/next")
                .then()
                .body("count", equalTo(0))
                .body("messages.size()", equalTo(0));
        // The Java SDK sends publishers as "[a, b]", the Node SDK as an array.
        for (Object publishers : List.of("[" + sensor + "]", List.of(sensor))) {
            iofog().contentType(ContentType.JSON)
                    .body(Map.of(
                            "id", logger,
                            "timeframestart", before,
                            "timeframeend", System.currentTimeMillis() + 1000,
                            "publishers", publishers))
                    .post("/v2/messages/query")
                    .then()
                    .statusCode(200)
                    .body("count", equalTo(1))
                    .body("messages[0].infotype", equalTo("text"));
        }
        // The sensor is not routed to itself.
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", sensor))
                .post("/v2/messages/next")
                .then()
                .body("count", equalTo(0));
        iofog().contentType(ContentType.JSON)
                .body(message("stranger", "x"))
                .post("/v2/messages/new")
                .then()
                .statusCode(400);
    }

    @Test
    void hundredsOfMessagesStayBoundedAndNothingFails() {
        for (int i = 0; i < IoFogMessages.QUEUE_LIMIT + 200; i++) {
            iofog().contentType(ContentType.JSON)
                    .body(message(sensor, "reading " + i))
                    .post("/v2/messages/new")
                    .then()
                    .statusCode(200);
        }
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", logger))
                .post("/v2/messages/next")
                .then()
                .statusCode(200)
                .body("count", equalTo(IoFogMessages.QUEUE_LIMIT))
                .body(
                        "messages[-1].contentdata",
                        equalTo(Base64.getEncoder()
                                .encodeToString(("reading " + (IoFogMessages.QUEUE_LIMIT + 199)).getBytes())));
    }

    @Test
    void appsExchangeMessagesOverTheMessageSocket() throws Exception {
        List<Buffer> toLogger = new CopyOnWriteArrayList<>();
        List<Buffer> toSensor = new CopyOnWriteArrayList<>();
        WebSocket loggerSocket = socket(logger, toLogger);
        WebSocket sensorSocket = socket(sensor, toSensor);
        byte[] encoded = IoMessage.fromJson(json.readTree(message(sensor, "over the socket")))
                .toBytes();
        sensorSocket.writeBinaryMessage(Buffer.buffer()
                .appendByte(IoFogMessages.OP_MESSAGE)
                .appendInt(encoded.length)
                .appendBytes(encoded));

        await().atMost(WAIT).until(() -> !toSensor.isEmpty() && !toLogger.isEmpty());
        Buffer receipt = toSensor.get(0);
        assertEquals(IoFogMessages.OP_RECEIPT, receipt.getByte(0));
        int idLength = receipt.getByte(1);
        int timestampLength = receipt.getByte(2);
        assertEquals(32, idLength);
        assertEquals(8, timestampLength);
        assertEquals(3 + idLength + 8, receipt.length());
        long timestamp = receipt.getLong(3 + idLength);
        assertTrue(Math.abs(System.currentTimeMillis() - timestamp) < 60_000, "a current timestamp: " + timestamp);

        Buffer pushed = toLogger.get(0);
        assertEquals(IoFogMessages.OP_MESSAGE, pushed.getByte(0));
        IoMessage received = IoMessage.fromBytes(pushed.getBytes(5, 5 + pushed.getInt(1)));
        assertEquals(sensor, received.publisher());
        assertEquals(receipt.getString(3, 3 + idLength), received.id());
        assertEquals(
                "over the socket",
                new String(
                        Base64.getDecoder()
                                .decode(received.toJson().path("contentdata").asText()),
                        StandardCharsets.UTF_8));
        loggerSocket.close();
        sensorSocket.close();
    }

    /** A socket opened as the Node SDK's ws opens it gets the 6-byte receipt timestamp its readUIntBE can read. */
    @Test
    void theNodeSdkGetsAReceiptTimestampItCanRead() throws Exception {
        List<Buffer> toSensor = new CopyOnWriteArrayList<>();
        WebSocket sensorSocket = vertx.createWebSocketClient(
                        new WebSocketClientOptions().setTryUsePerMessageCompression(true))
                .connect(server.port(), "127.0.0.1", "/v2/message/socket/id/" + sensor)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        sensorSocket.binaryMessageHandler(toSensor::add);
        byte[] encoded =
                IoMessage.fromJson(json.readTree(message(sensor, "from node"))).toBytes();
        sensorSocket.writeBinaryMessage(Buffer.buffer()
                .appendByte(IoFogMessages.OP_MESSAGE)
                .appendInt(encoded.length)
                .appendBytes(encoded));
        await().atMost(WAIT).until(() -> !toSensor.isEmpty());
        Buffer receipt = toSensor.get(0);
        assertEquals(6, receipt.getByte(2));
        long timestamp = 0;
        for (int i = 0; i < 6; i++) {
            timestamp = timestamp << 8 | Byte.toUnsignedInt(receipt.getByte(3 + receipt.getByte(1) + i));
        }
        assertTrue(Math.abs(System.currentTimeMillis() - timestamp) < 60_000, "a current timestamp: " + timestamp);
        sensorSocket.close();
    }

    private WebSocket socket(String app, List<Buffer> frames) throws Exception {
        WebSocket socket = vertx.createWebSocketClient()
                .connect(server.port(), "127.0.0.1", "/v2/message/socket/id/" + app)
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        socket.binaryMessageHandler(frames::add);
        return socket;
    }

    @Test
    void theAgentRoutesNeedTheKeyAndAnswerInStrings() throws Exception {
        iofog().get("/v2/status").then().statusCode(401);
        iofog().header("Authorization", "wrong").get("/v2/info").then().statusCode(401);
        iofog().header("Authorization", key())
                .get("/v2/status")
                .then()
                .statusCode(200)
                .body("values()", everyItem(instanceOf(String.class)))
                .body("iofog-daemon", equalTo("RUNNING"))
                .body("running-microservices", equalTo("2"));
        iofog().header("Authorization", key())
                .get("/v2/version")
                .then()
                .statusCode(200)
                .body("version", equalTo(IoFogAgentRoutes.VERSION));
        iofog().header("Authorization", key())
                .contentType(ContentType.JSON)
                .body(Map.of("log-level", "FINE", "developer-mode", "on"))
                .post("/v2/config")
                .then()
                .statusCode(200);
        iofog().header("Authorization", key())
                .get("/v2/info")
                .then()
                .statusCode(200)
                .body("log-level", equalTo("FINE"))
                .body("developer-mode", equalTo("on"))
                .body("values()", everyItem(instanceOf(String.class)));
        iofog().header("Authorization", key())
                .contentType(ContentType.JSON)
                .body(Map.of("warp-drive", "on"))
                .post("/v2/config")
                .then()
                .statusCode(400);
        iofog().header("Authorization", key()).get("/v2/info").then().body("log-level", equalTo("FINE"));
        iofog().header("Authorization", key())
                .contentType(ContentType.TEXT)
                .body("log-level=FINE")
                .post("/v2/config")
                .then()
                .statusCode(400);
        iofog().header("Authorization", key()).post("/v2/prune").then().statusCode(200);
        iofog().header("Authorization", key()).get("/v2/prune").then().statusCode(405);
        // This agent dials nowhere, so there is nothing to provision with.
        iofog().header("Authorization", key())
                .contentType(ContentType.JSON)
                .body(Map.of("provisioning-key", "k"))
                .post("/v2/provision")
                .then()
                .statusCode(400)
                .body("message", org.hamcrest.Matchers.containsString("rigfleet.agent.servers"));
        iofog().header("Authorization", key()).delete("/v2/deprovision").then().statusCode(200);
        iofog().get("/v2/nothing").then().statusCode(404).body("status", equalTo("failed"));
    }

    @Test
    void infoCarriesEveryKeyOfTheSpec() throws Exception {
        List<String> specKeys = List.of(
                "log-file-directory",
                "iofog-controller",
                "cpu-usage-limit",
                "developer-mode",
                "post-diagnostics-frequency",
                "docker-url",
                "status-update-frequency",
                "memory-ram-limit",
                "log-disk-limit",
                "isolated-docker-containers-mode",
                "iofog-certificate",
                "ip-address",
                "network-interface",
                "fog-type",
                "disk-usage-limit",
                "iofog-uuid",
                "gps-mode",
                "message-storage-directory",
                "get-changes-frequency",
                "gps-coordinates",
                "log-rolling-file-count",
                "scan-devices-frequency",
                "log-level",
                "docker-pruning-frequency",
                "disk-threshold integer");
        Map<String, Object> info = iofog().header("Authorization", key())
                .get("/v2/info")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("$");
        for (String specKey : specKeys) {
            assertTrue(info.containsKey(specKey), "missing " + specKey + " in " + info.keySet());
        }
    }

    @Test
    void aQueryWithoutPublishersIsRefused() {
        iofog().contentType(ContentType.JSON)
                .body(Map.of("id", logger, "timeframestart", 0, "timeframeend", System.currentTimeMillis()))
                .post("/v2/messages/query")
                .then()
                .statusCode(400)
                .body("status", equalTo("failed"));
    }

    /** Every answer, an error or not, is followed by the close the Java SDK waits for. */
    @Test
    void everyAnswerClosesTheConnection() throws Exception {
        for (String request : List.of(
                "GET /v2/nothing HTTP/1.1\r\nHost: iofog\r\n\r\n",
                "GET /v2/status HTTP/1.1\r\nHost: iofog\r\n\r\n",
                post("/v2/config/get", "{\"id\":\"" + sensor + "\"}"))) {
            String answer = exchange(request);
            assertTrue(answer.contains("Connection: close") || answer.contains("connection: close"), answer);
        }
    }

    /** The Java SDK (Netty, neither User-Agent nor Accept) reads the timestamp as a string; everyone else a number. */
    @Test
    void theJavaSdkGetsTheTimestampAsAString() throws Exception {
        String answer = exchange(post("/v2/messages/new", message(sensor, "from java")));
        String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
        assertTrue(json.readTree(body).path("timestamp").isTextual(), body);
        assertTrue(json.readTree(body).path("timestamp").asText().matches("\\d{13}"), body);
    }

    private static String post(String path, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return "POST " + path + " HTTP/1.1\r\nHost: iofog\r\nContent-Type: application/json\r\nContent-Length: "
                + bytes.length + "\r\n\r\n" + body;
    }

    /** Sends a raw request and reads the answer up to the server's close (a read that times out fails the test). */
    private String exchange(String request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aPingOfNineOnTheMessageSocketGetsExactlyOnePongOfTen() throws Exception {
        WebSocket socket = socket(sensor, new CopyOnWriteArrayList<>());
        List<Buffer> pongs = new CopyOnWriteArrayList<>();
        socket.pongHandler(pongs::add);
        socket.writePing(Buffer.buffer(new byte[] {PingAnswers.OP_PING}));
        await().atMost(WAIT).until(() -> !pongs.isEmpty());
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> pongs.size() == 1);
        assertEquals(1, pongs.get(0).length());
        assertEquals(PingAnswers.OP_PONG, pongs.get(0).getByte(0));
        socket.close();
    }

    @Test
    void aMalformedFrameIsDroppedAndTheSocketStaysOpen() throws Exception {
        List<Buffer> toSensor = new CopyOnWriteArrayList<>();
        WebSocket sensorSocket = socket(sensor, toSensor);
        sensorSocket.writeBinaryMessage(Buffer.buffer()
                .appendByte(IoFogMessages.OP_MESSAGE)
                .appendInt(3)
                .appendBytes(new byte[] {1, 2, 3}));
        byte[] encoded = IoMessage.fromJson(json.readTree(message(sensor, "after the bad one")))
                .toBytes();
        sensorSocket.writeBinaryMessage(Buffer.buffer()
                .appendByte(IoFogMessages.OP_MESSAGE)
                .appendInt(encoded.length)
                .appendBytes(encoded));
        await().atMost(WAIT).until(() -> !toSensor.isEmpty());
        assertEquals(IoFogMessages.OP_RECEIPT, toSensor.get(0).getByte(0));
        assertFalse(sensorSocket.isClosed());
        sensorSocket.close();
    }

    @Test
    void aMessageOnTheSocketIsSentAgainUntilAcknowledged() throws Exception {
        List<Buffer> toLogger = new CopyOnWriteArrayList<>();
        WebSocket loggerSocket = socket(logger, toLogger);
        iofog().contentType(ContentType.JSON)
                .body(message(sensor, "say it again"))
                .post("/v2/messages/new")
                .then()
                .statusCode(200);
        // The resend interval of the tests is 1 s: unacknowledged, it comes again.
        await().atMost(WAIT).until(() -> toLogger.size() >= 2);
        assertEquals(toLogger.get(0), toLogger.get(1));
        loggerSocket.writeBinaryMessage(Buffer.buffer(new byte[] {IoFogMessages.OP_ACK}));
        int acknowledgedAt = toLogger.size();
        await().during(Duration.ofMillis(2500))
                .atMost(WAIT)
                .until(() -> toLogger.size() <= acknowledgedAt + 1); // one may have crossed the acknowledgement
        loggerSocket.close();
    }
}

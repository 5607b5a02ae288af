package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.BusConfig;
import dev.rigfleet.common.bus.BusException;
import dev.rigfleet.common.bus.BusReplicas;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.devices.DeviceCommands;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import dev.rigfleet.proto.bus.DeviceCommand;
import dev.rigfleet.proto.bus.DeviceTarget;
import dev.rigfleet.proto.bus.TargetStateChanged;
import dev.rigfleet.registry.service.ProxyAudit;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor proxy against real PostgreSQL and Redis, with a second bus replica in the role of the coordinator
 * that holds the devices: it answers each device's commands as the test says the device behaves. Real agents
 * behind real coordinators are e2e's {@code SupervisorProxyIT}.
 */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class SupervisorProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    /** The revocation reach goal (docs/benchmarks.md): a change takes effect within it. */
    private static final Duration REACH = Duration.ofSeconds(1);

    private static final Duration TTL = Duration.ofSeconds(120);

    /** How the stand-in coordinator answers for a device. */
    enum Behaviour {
        ECHO,
        TEXT,
        HANG,
        DROP,
        MOVED_ONCE,
        /** Answers as a coordinator does when a command of the same id is still out. */
        DUPLICATE,
        /** Fails as a coordinator's handler with a bug does. */
        FAIL,
        /** Answers as a replica that serves no device commands does. */
        NO_HANDLER,
        /** Answers as the coordinator does when its agent did not answer before the deadline. */
        SILENT_AGENT
    }

    @Inject
    Presence presence;

    @Inject
    Redis redis;

    @Inject
    Vertx vertx;

    @Inject
    BusConfig busConfig;

    @Inject
    RedisNamespace namespace;

    @Inject
    MeterRegistry meters;

    @Inject
    Pool database;

    @Inject
    Bus bus;

    @Inject
    ProxyAudit auditRows;

    @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema")
    String schema;

    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    /** Every command the stand-in coordinator was asked to deliver, in order. */
    private final List<DeviceCommand> delivered = new CopyOnWriteArrayList<>();

    private final AtomicInteger refusedUnsent = new AtomicInteger();
    private Bus coordinator;

    @BeforeEach
    void startCoordinator() {
        coordinator = BusReplicas.start("coordinator", redis, vertx, busConfig, namespace, meters);
        await().atMost(WAIT).until(coordinator::isConnected);
        coordinator.onRequest(Topics.DEVICE_COMMAND, (command, deadline) -> {
            String uuid = command.getDeviceUuid();
            return switch (behaviours.getOrDefault(uuid, Behaviour.ECHO)) {
                case ECHO -> deliver(command, echo(command));
                case TEXT -> deliver(command, answer(command, 200, "text/plain", "OK"));
                case HANG -> {
                    delivered.add(command);
                    yield Uni.createFrom().nothing();
                }
                case DROP -> {
                    delivered.add(command);
                    yield Uni.createFrom()
                            .failure(new BusException(
                                    BusException.Reason.REMOTE_FAILURE, DeviceCommands.DROPPED, "connection closed"));
                }
                case DUPLICATE ->
                    Uni.createFrom()
                            .failure(new BusException(
                                    BusException.Reason.REMOTE_FAILURE, DeviceCommands.DUPLICATE, "running already"));
                case FAIL -> Uni.createFrom().failure(new IllegalStateException("a bug in the coordinator"));
                case NO_HANDLER ->
                    Uni.createFrom()
                            .failure(new BusException(
                                    BusException.Reason.REMOTE_FAILURE, BusException.NO_HANDLER, "not served here"));
                case SILENT_AGENT ->
                    Uni.createFrom()
                            .failure(new BusException(
                                    BusException.Reason.REMOTE_FAILURE, DeviceCommands.TIMED_OUT, "no answer in time"));
                case MOVED_ONCE -> {
                    // The device reconnected since the proxy read presence: refused unsent, and held anew.
                    behaviours.put(uuid, Behaviour.ECHO);
                    refusedUnsent.incrementAndGet();
                    yield presence.claim(uuid, coordinator.replicaId(), TTL)
                            .chain(claim -> Uni.createFrom()
                                    .failure(new BusException(
                                            BusException.Reason.REMOTE_FAILURE,
                                            DeviceCommands.OFFLINE,
                                            "not held here")));
                }
            };
        });
    }

    @AfterEach
    void stopCoordinator() {
        BusReplicas.stop(coordinator);
    }

    private Uni<CommandResponse> deliver(DeviceCommand command, CommandResponse response) {
        delivered.add(command);
        return Uni.createFrom().item(response);
    }

    /** What a device answers: what it was asked, as JSON. */
    private CommandResponse echo(DeviceCommand command) {
        CommandRequest request = command.getRequest();
        Map<String, Object> asked = Map.of(
                "device", command.getDeviceUuid(),
                "method", request.getMethod(),
                "path", request.getPath(),
                "contentType", request.getContentType(),
                "body", request.getBody().toStringUtf8());
        try {
            return answer(command, 200, "application/json", json.writeValueAsString(asked));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static CommandResponse answer(DeviceCommand command, int status, String contentType, String body) {
        return CommandResponse.newBuilder()
                .setCommandId(command.getRequest().getCommandId())
                .setStatus(status)
                .setContentType(contentType)
                .setBody(ByteString.copyFromUtf8(body))
                .build();
    }

    /** An enrolled device of the fleet, connected to the stand-in coordinator; answers {uuid, deviceId}. */
    private Map<String, Object> onlineDevice(Api owner, long appId, Behaviour behaviour) {
        Map<String, Object> device = owner.enrol(appId);
        String uuid = (String) device.get("uuid");
        behaviours.put(uuid, behaviour);
        presence.claim(uuid, coordinator.replicaId(), TTL).await().atMost(WAIT);
        return device;
    }

    private static ValidatableResponse post(Api caller, String url, String body) {
        return caller.call().body(body).post("/supervisor" + url).then();
    }

    @Test
    void oneDeviceAnswersAsIfCalledOnTheDeviceWithTheDataAsItsBody() throws Exception {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String uuid = (String) onlineDevice(owner, appId, Behaviour.ECHO).get("uuid");

        String body = post(
                        owner,
                        "/v1/update?force=1&apikey=not-needed",
                        "{\"uuid\": \"" + uuid + "\", \"data\": {\"force\": true}}")
                .statusCode(200)
                .contentType(ContentType.JSON)
                .extract()
                .asString();

        JsonNode asked = json.readTree(body);
        assertEquals(uuid, asked.path("device").asText());
        assertEquals("POST", asked.path("method").asText(), "POST when no method is given");
        // The device's key is never needed: an apikey in the url is not passed on, the rest of the query is.
        assertEquals("/v1/update?force=1", asked.path("path").asText());
        assertEquals("application/json", asked.path("contentType").asText());
        assertEquals(Map.of("force", true), json.readValue(asked.path("body").asText(), Map.class));

        behaviours.put(uuid, Behaviour.TEXT);
        String text = post(owner, "/ping", "{\"uuid\": \"" + uuid + "\", \"method\": \"get\"}")
                .statusCode(200)
                .contentType(startsWith("text/plain"))
                .extract()
                .asString();
        assertEquals("OK", text);
        assertEquals("GET", delivered.get(delivered.size() - 1).getRequest().getMethod());
    }

    @Test
    void everyGivenFilterMustMatchAndIdsMayBeNumbersOrDigitStrings() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        long otherFleet = owner.createFleet();
        Map<String, Object> first = onlineDevice(owner, appId, Behaviour.ECHO);
        Map<String, Object> second = onlineDevice(owner, appId, Behaviour.ECHO);
        long deviceId = ((Number) first.get("deviceId")).longValue();

        post(owner, "/v1/blink", "{\"deviceId\": " + deviceId + ", \"appId\": " + appId + "}")
                .statusCode(200)
                .body("device", equalTo(first.get("uuid")));
        post(owner, "/v1/blink", "{\"deviceId\": \"" + deviceId + "\", \"appId\": \"" + appId + "\"}")
                .statusCode(200)
                .body("device", equalTo(first.get("uuid")));
        post(owner, "/v1/blink", "{\"uuid\": \"" + second.get("uuid") + "\", \"deviceId\": " + deviceId + "}")
                .statusCode(404)
                .body("error_message", equalTo("No online device(s) found"));
        post(owner, "/v1/blink", "{\"deviceId\": " + deviceId + ", \"appId\": " + otherFleet + "}")
                .statusCode(404)
                .body("error_message", equalTo("No online device(s) found"));
    }

    @Test
    void aFleetGetsA207WithEveryDevicesAnswerJsonAsJsonAndTextAsText() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String echoing = (String) onlineDevice(owner, appId, Behaviour.ECHO).get("uuid");
        String texting = (String) onlineDevice(owner, appId, Behaviour.TEXT).get("uuid");
        owner.enrol(appId); // never connected: not asked, not listed

        post(owner, "/v1/restart", "{\"appId\": " + appId + ", \"data\": {\"appId\": " + appId + "}}")
                .statusCode(207)
                .body("$", hasSize(2))
                .body("uuid", containsInAnyOrder(echoing, texting))
                .body("statusCode", containsInAnyOrder(200, 200))
                .body("find { it.uuid == '" + echoing + "' }.body.path", equalTo("/v1/restart"))
                .body("find { it.uuid == '" + texting + "' }.body", equalTo("OK"));
    }

    @Test
    void aSlowOrDroppedDeviceHasItsOwnEntryAndTheOthersAnswersAreIntact() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String answering = (String) onlineDevice(owner, appId, Behaviour.ECHO).get("uuid");
        String hanging = (String) onlineDevice(owner, appId, Behaviour.HANG).get("uuid");
        String dropping = (String) onlineDevice(owner, appId, Behaviour.DROP).get("uuid");

        post(owner, "/v1/reboot", "{\"appId\": " + appId + "}")
                .statusCode(207)
                .body("$", hasSize(3))
                .body("find { it.uuid == '" + answering + "' }.statusCode", equalTo(200))
                .body("find { it.uuid == '" + answering + "' }.body.path", equalTo("/v1/reboot"))
                .body("find { it.uuid == '" + hanging + "' }.statusCode", equalTo(504))
                .body("find { it.uuid == '" + hanging + "' }.body.error", equalTo("device_timed_out"))
                .body("find { it.uuid == '" + dropping + "' }.statusCode", equalTo(502))
                .body("find { it.uuid == '" + dropping + "' }.body.error", equalTo("device_dropped"));

        post(owner, "/v1/reboot", "{\"uuid\": \"" + hanging + "\"}")
                .statusCode(504)
                .body("error", equalTo("device_timed_out"))
                .body("error_message", startsWith("device " + hanging + " did not answer"));
        int before = delivered.size();
        post(owner, "/v1/reboot", "{\"uuid\": \"" + dropping + "\"}")
                .statusCode(502)
                .body("error", equalTo("device_dropped"));
        // A dropped reboot may have run: it is not sent again.
        assertEquals(1, delivered.size() - before);
    }

    @Test
    void eachWayACoordinatorFailsACommandHasItsOwnOutcomeApartFromAnUnreachableLink() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<Behaviour, String> devices = new EnumMap<>(Behaviour.class);
        for (Behaviour behaviour :
                List.of(Behaviour.DUPLICATE, Behaviour.FAIL, Behaviour.NO_HANDLER, Behaviour.SILENT_AGENT)) {
            devices.put(
                    behaviour, (String) onlineDevice(owner, appId, behaviour).get("uuid"));
        }
        Map<Behaviour, Integer> statuses = Map.of(
                Behaviour.DUPLICATE, 409, Behaviour.FAIL, 502, Behaviour.NO_HANDLER, 502, Behaviour.SILENT_AGENT, 504);
        Map<Behaviour, String> outcomes = Map.of(
                Behaviour.DUPLICATE, "duplicate",
                Behaviour.FAIL, "handler_failed",
                Behaviour.NO_HANDLER, "no_handler",
                Behaviour.SILENT_AGENT, "timed_out");
        devices.forEach((behaviour, uuid) -> post(owner, "/v1/blink", "{\"uuid\": \"" + uuid + "\"}")
                .statusCode(statuses.get(behaviour))
                .body("error", equalTo("device_" + outcomes.get(behaviour)))
                .body("error_message", containsString(uuid)));

        post(owner, "/v1/blink", "{\"appId\": " + appId + "}").statusCode(207).body("$", hasSize(4));
        owner.call().get("/supervisor-commands").then().statusCode(200).body("commands[0].url", equalTo("/v1/blink"));
        devices.forEach((behaviour, uuid) -> owner.call()
                .get("/supervisor-commands")
                .then()
                .body(
                        "commands[0].devices.find { it.uuid == '" + uuid + "' }.outcome",
                        equalTo(outcomes.get(behaviour))));
    }

    @Test
    void aCommandRefusedUnsentGoesOnceMoreToTheDevicesNewConnection() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String uuid = (String) onlineDevice(owner, appId, Behaviour.MOVED_ONCE).get("uuid");
        int refused = refusedUnsent.get();

        post(owner, "/v1/shutdown", "{\"uuid\": \"" + uuid + "\"}")
                .statusCode(200)
                .body("device", equalTo(uuid));

        assertEquals(refused + 1, refusedUnsent.get());
        List<DeviceCommand> toDevice = delivered.stream()
                .filter(command -> command.getDeviceUuid().equals(uuid))
                .toList();
        assertEquals(1, toDevice.size(), "delivered once");
        assertEquals(
                presence.holder(uuid).await().atMost(WAIT).orElseThrow().epoch(),
                toDevice.get(0).getEpoch(),
                "at the new connection's epoch");
    }

    @Test
    void anotherOwnersOrAnOfflineDeviceIsNotFoundAndNothingIsSent() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<String, Object> device = onlineDevice(owner, appId, Behaviour.ECHO);
        String offline = (String) owner.enrol(appId).get("uuid");
        Api stranger = Api.newUser();
        int before = delivered.size();

        post(stranger, "/v1/reboot", "{\"uuid\": \"" + device.get("uuid") + "\"}")
                .statusCode(404)
                .body("error_message", equalTo("No online device(s) found"));
        post(stranger, "/v1/reboot", "{\"appId\": " + appId + "}").statusCode(404);
        post(stranger, "/v1/reboot", "{\"deviceId\": " + device.get("deviceId") + "}")
                .statusCode(404);
        post(owner, "/v1/reboot", "{\"uuid\": \"" + offline + "\"}").statusCode(404);
        given().contentType(ContentType.JSON)
                .body("{\"uuid\": \"" + device.get("uuid") + "\"}")
                .post("/supervisor/v1/reboot")
                .then()
                .statusCode(401);
        assertEquals(before, delivered.size());

        post(Api.newAdmin(), "/v1/blink", "{\"uuid\": \"" + device.get("uuid") + "\"}")
                .statusCode(200);
    }

    @Test
    void badRequestsAreRefusedWithTheReferencesMessages() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String uuid = (String) onlineDevice(owner, appId, Behaviour.ECHO).get("uuid");
        int before = delivered.size();

        Map<String, String> refusals = Map.of(
                "{}",
                "At least one filter must be specified",
                "{\"method\": \"GET\", \"data\": {}}",
                "At least one filter must be specified",
                "{\"deviceId\": \"seven\"}",
                "Device ID must be a valid integer if specified",
                "{\"deviceId\": 1.5}",
                "Device ID must be a valid integer if specified",
                "{\"appId\": [3]}",
                "App ID must be a valid integer if specified",
                "{\"uuid\": 7}",
                "uuid must be a non-empty string if specified",
                "{\"uuid\": \"" + uuid + "\", \"method\": \"FETCH\"}",
                "method must be one of GET, HEAD, POST, PUT, PATCH, DELETE",
                "{\"uuid\": \"" + uuid + "\", \"data\": \"force\"}",
                "data must be a JSON object if specified",
                "[\"" + uuid + "\"]",
                "the body must be a JSON object");
        refusals.forEach((body, message) ->
                post(owner, "/v1/reboot", body).statusCode(400).body("error_message", equalTo(message)));
        post(owner, "/v1/reboot", "{\"uuid\": ")
                .statusCode(400)
                .body("error_message", startsWith("the body must be a JSON object"));
        post(owner, "", "{\"uuid\": \"" + uuid + "\"}")
                .statusCode(400)
                .body("error_message", equalTo("Supervisor API url must be specified"));
        post(owner, "/", "{\"uuid\": \"" + uuid + "\"}")
                .statusCode(400)
                .body("error_message", equalTo("Supervisor API url must be specified"));
        // Over the body limit (64 KiB in tests): the common JSON 413, before anything is looked up.
        post(owner, "/v1/reboot", "{\"uuid\": \"" + uuid + "\", \"data\": {\"pad\": \"" + "x".repeat(70_000) + "\"}}")
                .statusCode(413)
                .body("error", equalTo("request_entity_too_large"));
        assertEquals(before, delivered.size(), "nothing was sent");
        owner.call().get("/supervisor-commands").then().statusCode(200).body("commands", hasSize(0));
        owner.call()
                .queryParam("max_per_page", "many")
                .get("/supervisor-commands")
                .then()
                .statusCode(400)
                .body("error", equalTo("bad_request"));

        // The older spec's update example ends with a stray quote; the reference reads it, and so does rigfleet.
        post(owner, "/v1/update", "{\"uuid\": \"" + uuid + "\", \"data\": {\"force\": true}}\"")
                .statusCode(200)
                .body("path", equalTo("/v1/update"));
    }

    @Test
    void everyProxiedRequestIsAuditedForTheOwnerAndTheSender() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String answering = (String) onlineDevice(owner, appId, Behaviour.ECHO).get("uuid");
        String dropping = (String) onlineDevice(owner, appId, Behaviour.DROP).get("uuid");
        Api admin = Api.newAdmin();

        owner.call()
                .header("X-Request-Id", "audit-fleet-restart")
                .body("{\"appId\": " + appId + ", \"data\": {\"appId\": " + appId + "}}")
                .post("/supervisor/v1/restart")
                .then()
                .statusCode(207);
        post(admin, "/v1/device", "{\"uuid\": \"" + answering + "\", \"method\": \"GET\"}")
                .statusCode(200);

        // Written after the answers (ProxyAudit), moments later.
        await().atMost(WAIT)
                .untilAsserted(
                        () -> owner.call().get("/supervisor-commands").then().body("commands", hasSize(2)));
        owner.call()
                .get("/supervisor-commands")
                .then()
                .statusCode(200)
                .body("commands", hasSize(2))
                .body("commands[0].method", equalTo("GET"))
                .body("commands[0].url", equalTo("/v1/device"))
                .body("commands[0].user", equalTo(admin.userId()))
                .body("commands[0].owner", equalTo(owner.userId()))
                .body("commands[1].request_id", equalTo("audit-fleet-restart"))
                .body("commands[1].user", equalTo(owner.userId()))
                .body("commands[1].url", equalTo("/v1/restart"))
                .body("commands[1].devices.uuid", containsInAnyOrder(answering, dropping))
                .body("commands[1].devices.find { it.uuid == '" + answering + "' }.outcome", equalTo("answered"))
                .body("commands[1].devices.find { it.uuid == '" + answering + "' }.statusCode", equalTo(200))
                .body("commands[1].devices.find { it.uuid == '" + dropping + "' }.outcome", equalTo("dropped"))
                .body("commands[1].devices.find { it.uuid == '" + dropping + "' }.statusCode", equalTo(502))
                .body("commands[1].duration_ms", org.hamcrest.Matchers.greaterThanOrEqualTo(0));
        admin.call()
                .get("/supervisor-commands")
                .then()
                .statusCode(200)
                .body("commands.user", org.hamcrest.Matchers.hasItem(admin.userId()));
        Api.newUser().call().get("/supervisor-commands").then().statusCode(200).body("commands", hasSize(0));
        owner.call()
                .queryParam("max_per_page", 1)
                .get("/supervisor-commands")
                .then()
                .statusCode(200)
                .body("commands", hasSize(1))
                .body("page_count", equalTo(2));
    }

    @Test
    void theAnswerDoesNotWaitForItsAuditRowWhichFollowsInTheOrderOfTheAnswers() throws Exception {
        Api owner = Api.newUser();
        String uuid = (String)
                onlineDevice(owner, owner.createFleet(), Behaviour.ECHO).get("uuid");
        SqlConnection holder = database.getConnection().await().atMost(WAIT);
        CompletableFuture<Boolean> written = null;
        try {
            // Inserts wait for this lock; reads do not.
            holder.query("BEGIN").execute().await().atMost(WAIT);
            holder.query("LOCK TABLE " + schema + ".supervisor_commands IN EXCLUSIVE MODE")
                    .execute()
                    .await()
                    .atMost(WAIT);
            for (int call = 1; call <= 3; call++) {
                owner.call()
                        .config(answerWithin(WAIT))
                        .header("X-Request-Id", "audit-order-" + call)
                        .body("{\"uuid\": \"" + uuid + "\", \"method\": \"GET\"}")
                        .post("/supervisor/ping")
                        .then()
                        .statusCode(200);
            }
            owner.call().get("/supervisor-commands").then().statusCode(200).body("commands", hasSize(0));
            // The first row's insert waits on the lock; the other two are queued behind it.
            assertEquals(2.0, meters.get("rigfleet.proxy.audit.queued").gauge().value());
            // What a graceful stop waits for (ProxyAudit.drain): every queued row written.
            written = CompletableFuture.supplyAsync(() -> auditRows.awaitWritten(WAIT));
            assertFalse(written.isDone());
        } finally {
            holder.query("COMMIT").execute().await().atMost(WAIT);
            holder.close().await().atMost(WAIT);
        }
        assertTrue(written.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        // Written by the time the wait ends: read at once, not awaited.
        owner.call()
                .get("/supervisor-commands")
                .then()
                .body("commands.request_id", contains("audit-order-3", "audit-order-2", "audit-order-1"));
        assertEquals(0.0, meters.get("rigfleet.proxy.audit.queued").gauge().value());
    }

    @Test
    void aDeviceMovedOrDeletedIsMatchedAsItIsNowWithinTheRevocationReach() {
        Api owner = Api.newUser();
        long first = owner.createFleet();
        long second = owner.createFleet();
        String uuid = (String) onlineDevice(owner, first, Behaviour.ECHO).get("uuid");
        String inFirst = "{\"uuid\": \"" + uuid + "\", \"appId\": " + first + ", \"method\": \"GET\"}";
        String inSecond = "{\"uuid\": \"" + uuid + "\", \"appId\": " + second + ", \"method\": \"GET\"}";
        post(owner, "/ping", inFirst).statusCode(200);
        post(owner, "/ping", inSecond).statusCode(404);

        owner.call()
                .body(Map.of("appId", second))
                .patch("/devices/" + uuid)
                .then()
                .statusCode(200);
        await().atMost(REACH).untilAsserted(() -> post(owner, "/ping", inFirst).statusCode(404));
        post(owner, "/ping", inSecond).statusCode(200);

        // Presence still names the stand-in coordinator: only the registry's own knowledge can refuse the call.
        owner.call().delete("/devices/" + uuid).then().statusCode(204);
        await().atMost(REACH)
                .untilAsserted(() -> post(owner, "/ping", "{\"uuid\": \"" + uuid + "\", \"method\": \"GET\"}")
                        .statusCode(404));
    }

    @Test
    void whatTheProxyKnowsOfADeviceIsKeptUntilAnEventSaysItChanged() {
        Api owner = Api.newUser();
        long first = owner.createFleet();
        long second = owner.createFleet();
        Map<String, Object> device = onlineDevice(owner, first, Behaviour.ECHO);
        String uuid = (String) device.get("uuid");
        String inFirst = "{\"uuid\": \"" + uuid + "\", \"appId\": " + first + ", \"method\": \"GET\"}";
        post(owner, "/ping", inFirst).statusCode(200);

        // Behind the registry's back: no event, so the proxy goes on with what it read.
        database.preparedQuery("UPDATE " + schema + ".devices SET fleet_id = $1 WHERE uuid = $2")
                .execute(Tuple.of(second, uuid))
                .await()
                .atMost(WAIT);
        post(owner, "/ping", inFirst).statusCode(200);

        bus.publish(
                        Topics.DEVICE_TARGET_CHANGED,
                        TargetStateChanged.newBuilder()
                                .addDevices(DeviceTarget.newBuilder()
                                        .setUuid(uuid)
                                        .setDeviceId(((Number) device.get("deviceId")).longValue())
                                        .setVersion(99))
                                .build())
                .await()
                .atMost(WAIT);
        await().atMost(REACH).untilAsserted(() -> post(owner, "/ping", inFirst).statusCode(404));
    }

    private static RestAssuredConfig answerWithin(Duration wait) {
        return RestAssuredConfig.config()
                .httpClient(HttpClientConfig.httpClientConfig().setParam("http.socket.timeout", (int) wait.toMillis()));
    }
}

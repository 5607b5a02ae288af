package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.link.AgentConnection;
import dev.rigfleet.common.testing.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The one operation that must never hand a deployment to two holders, under concurrency and across replicas: two
 * workspaces replicas on one PostgreSQL and Redis, five deployments of real enrolled devices whose agents are
 * connected, and waves of allocation requests as the instances service sends them. The public routes go through the
 * entry proxy; the allocation routes are internal, so the test calls each replica as the instances service does.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AllocationIT {

    private static final int DEPLOYMENTS = 5;
    private static final int WAVE = 10;
    private static final Duration REACH = Duration.ofSeconds(20);

    private final Stack stack = Stack.get();
    private final Vertx vertx = Vertx.vertx();
    private final List<AgentConnection> agents = new ArrayList<>();
    private final ExecutorService clients = Executors.newFixedThreadPool(WAVE);
    private final List<String> deployments = new ArrayList<>();
    private ServiceProcess replicaA;
    private ServiceProcess replicaB;
    private EntryProxy entry;
    private PromotionListener promotions;
    private String ownerToken;
    private String type;

    @BeforeAll
    void startReplicasAndConnectTheDevices() throws Exception {
        replicaA = stack.startWorkspacesReplica("workspaces-alloc-a");
        replicaB = stack.startWorkspacesReplica("workspaces-alloc-b");
        entry = EntryProxy.start(
                "alloc",
                stack.workspaces.url(),
                "http://127.0.0.1:" + Ports.free(),
                stack.registryA.url(),
                stack.coordinatorA.url());
        promotions = new PromotionListener(vertx, stack.redis.url(), stack.keyPrefix);
        ownerToken = Accounts.newUserToken(stack);
        type = "e2e_alloc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        given().auth()
                .oauth2(Accounts.adminToken(stack))
                .contentType(ContentType.JSON)
                .body(Map.of("name", type, "desc", "five rigs for the allocation tests"))
                .post(entry.url() + "/workspaces")
                .then()
                .statusCode(200);
        String key = Fleets.create(stack, ownerToken, "alloc-rigs", DEPLOYMENTS).provisioningKey();
        for (int i = 0; i < DEPLOYMENTS; i++) {
            var enrolment = Fleets.enrol(stack, key);
            String uuid = enrolment.getString("uuid");
            AgentConnection agent = SilentAgents.connect(vertx, stack, uuid, enrolment.getString("credential"), i);
            agents.add(agent);
            deployments.add(given().auth()
                    .oauth2(ownerToken)
                    .contentType(ContentType.JSON)
                    .body(Map.of("type", type, "host", uuid, "region", "e2e", "desc", "rig " + i))
                    .post(entry.url() + "/deployments")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("id"));
        }
        await().atMost(REACH)
                .until(() -> deployments.stream()
                        .allMatch(id -> given().get(entry.url() + "/deployment/" + id)
                                .then()
                                .extract()
                                .<Boolean>path("online")));
    }

    @AfterAll
    void stop() throws Exception {
        agents.forEach(AgentConnection::close);
        promotions.close();
        entry.close();
        replicaA.close();
        replicaB.close();
        clients.shutdownNow();
        vertx.close();
    }

    @Test
    @Order(1)
    void fiveOfFiveHundredAreAllocatedAndTheRestPromotedInWaveOrderEachPublishedOnce() throws Exception {
        Map<String, Integer> waveOf = new ConcurrentHashMap<>();
        List<String> holdings = Collections.synchronizedList(new ArrayList<>());
        Set<String> held = ConcurrentHashMap.newKeySet();
        for (int wave = 0; wave < 50; wave++) {
            for (Response answer : sendWave(wave, replicaA, replicaB)) {
                assertEquals(200, answer.statusCode(), answer.asString());
                String id = answer.path("id");
                if (answer.path("outcome").equals("allocated")) {
                    holdings.add(id);
                    held.add(answer.path("deployment"));
                } else {
                    waveOf.put(id, wave);
                }
            }
        }
        assertEquals(DEPLOYMENTS, holdings.size(), "exactly one holder per deployment");
        assertEquals(DEPLOYMENTS, held.size());
        assertEquals(500 - DEPLOYMENTS, waveOf.size());
        for (String id : deployments) {
            given().get(entry.url() + "/queuelen/" + id)
                    .then()
                    .body("len", org.hamcrest.Matchers.equalTo(1 + 500 - DEPLOYMENTS));
        }

        List<String> promotedOrder = new ArrayList<>();
        Deque<String> current = new ArrayDeque<>(holdings);
        int releases = 0;
        while (!current.isEmpty()) {
            ServiceProcess replica = releases++ % 2 == 0 ? replicaA : replicaB;
            String promoted = release(replica, current.poll()).path("promoted");
            if (promoted != null) {
                promotedOrder.add(promoted);
                current.add(promoted);
            }
        }
        assertEquals(waveOf.keySet(), new HashSet<>(promotedOrder), "every reservation was promoted");
        for (int i = 1; i < promotedOrder.size(); i++) {
            assertTrue(
                    waveOf.get(promotedOrder.get(i - 1)) <= waveOf.get(promotedOrder.get(i)),
                    "promotion " + i + " came from an earlier wave than the one before it");
        }
        await().atMost(REACH).until(() -> promotions.reservations().containsAll(waveOf.keySet()));
        Map<String, Integer> published = new HashMap<>();
        promotions.reservations().stream()
                .filter(waveOf::containsKey)
                .forEach(id -> published.merge(id, 1, Integer::sum));
        assertEquals(Set.of(1), new HashSet<>(published.values()), "each promotion published once");
        assertNeverTwoHolders();
    }

    @Test
    @Order(2)
    void aReplicaKilledMidwayGivesNoDeploymentTwiceAndLosesNoPromotion() throws Exception {
        Set<String> reserved = ConcurrentHashMap.newKeySet();
        for (int wave = 0; wave < 20; wave++) {
            for (Response answer : sendWave(wave, replicaA, replicaB)) {
                assertEquals(200, answer.statusCode(), answer.asString());
                if (answer.path("outcome").equals("reserved")) {
                    reserved.add(answer.path("id"));
                }
            }
        }
        assertEquals(200 - DEPLOYMENTS, reserved.size());

        // Releases go to both replicas, one after the other; after 40 of them, replica B is killed, wherever it is.
        AtomicInteger releases = new AtomicInteger();
        Thread killer = new Thread(() -> {
            await().atMost(Duration.ofMinutes(2)).until(() -> releases.get() >= 40);
            replicaB.kill();
        });
        killer.start();
        await().atMost(Duration.ofMinutes(3)).until(() -> {
            boolean anyHeld = false;
            for (String id : deployments) {
                String holder = given().auth()
                        .oauth2(ownerToken)
                        .get(entry.url() + "/deployment/" + id)
                        .then()
                        .extract()
                        .path("holder.instance");
                if (holder != null) {
                    anyHeld = true;
                    ServiceProcess replica =
                            releases.incrementAndGet() % 2 == 0 && replicaB.isAlive() ? replicaB : replicaA;
                    try {
                        release(replica, holder);
                    } catch (Exception refused) {
                        // Replica B dying mid-answer (no response, a reset): the outcome is unknown, and the next
                        // round reads the holder again. From replica A, every failure counts.
                        if (replica != replicaB) {
                            throw refused;
                        }
                    }
                }
            }
            return !anyHeld
                    && given().get(entry.url() + "/queuelen/" + deployments.get(0))
                                    .then()
                                    .extract()
                                    .<Integer>path("len")
                            == 0;
        });
        killer.join();
        assertTrue(!replicaB.isAlive(), "replica B was killed during the releases");

        // Every reservation was promoted, and every promotion went out on the bus (the outbox re-sends what the dead
        // replica stored but could not publish).
        try (Connection db = stack.database();
                Statement sql = db.createStatement()) {
            Map<String, String> states = new HashMap<>();
            try (ResultSet rows = sql.executeQuery("SELECT id, state FROM workspaces.reservations")) {
                while (rows.next()) {
                    states.put(rows.getString("id"), rows.getString("state"));
                }
            }
            for (String id : reserved) {
                assertEquals("promoted", states.get(id), id);
            }
        }
        await().atMost(REACH).until(() -> promotions.reservations().containsAll(reserved));
        await().atMost(REACH).until(() -> unpublishedPromotions() == 0);
        assertNeverTwoHolders();
    }

    private List<Response> sendWave(int wave, ServiceProcess a, ServiceProcess b) throws Exception {
        List<Callable<Response>> requests = new ArrayList<>();
        for (int i = 0; i < WAVE; i++) {
            ServiceProcess replica = i % 2 == 0 ? a : b;
            String user = UUID.randomUUID().toString();
            Map<String, Object> body =
                    Map.of("user", user, "username", "w" + wave + "-" + i, "type", type, "reserve", true);
            requests.add(() -> given().header("Authorization", TestTokens.service("instances"))
                    .contentType(ContentType.JSON)
                    .body(body)
                    .post(replica.url() + "/internal/allocations"));
        }
        List<Response> answers = new ArrayList<>();
        for (var answer : clients.invokeAll(requests)) {
            answers.add(answer.get());
        }
        return answers;
    }

    private static Response release(ServiceProcess replica, String holding) {
        Response answer = given().header("Authorization", TestTokens.service("instances"))
                .post(replica.url() + "/internal/holdings/" + holding + "/release");
        assertEquals(200, answer.statusCode(), answer.asString());
        return answer;
    }

    private long unpublishedPromotions() throws Exception {
        try (Connection db = stack.database();
                Statement sql = db.createStatement();
                ResultSet rows = sql.executeQuery("SELECT count(*) FROM workspaces.reservations"
                        + " WHERE state = 'promoted' AND published_at IS NULL")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** From the database: at most one open holding per deployment, and no two holdings of one overlap in time. */
    private void assertNeverTwoHolders() throws Exception {
        try (Connection db = stack.database();
                Statement sql = db.createStatement()) {
            try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM (SELECT deployment_id FROM workspaces.holdings"
                    + " WHERE ended_at IS NULL GROUP BY deployment_id HAVING count(*) > 1) twice")) {
                rows.next();
                assertEquals(0, rows.getLong(1), "a deployment with two open holdings");
            }
            try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM workspaces.holdings a JOIN"
                    + " workspaces.holdings b ON a.deployment_id = b.deployment_id AND a.id < b.id"
                    + " AND tstzrange(a.started_at, COALESCE(a.ended_at, 'infinity'))"
                    + " && tstzrange(b.started_at, COALESCE(b.ended_at, 'infinity'))")) {
                rows.next();
                assertEquals(0, rows.getLong(1), "two holdings of one deployment at once");
            }
            try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM workspaces.deployments d WHERE d.holding_id"
                    + " IS DISTINCT FROM (SELECT h.id FROM workspaces.holdings h WHERE h.deployment_id = d.id"
                    + " AND h.ended_at IS NULL)")) {
                rows.next();
                assertEquals(0, rows.getLong(1), "a deployment whose holder is not its open holding");
            }
        }
    }
}

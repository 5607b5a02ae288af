package dev.rigfleet.workspaces.hardware;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.proto.bus.ReservationPromoted;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.Accounts.Account;
import dev.rigfleet.workspaces.hardware.Hardware.Setup;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class AllocationTest {

    @Inject
    Bus bus;

    private final List<ReservationPromoted> promoted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void listen() {
        bus.onEvent(Topics.RESERVATION_PROMOTED, promoted::add);
    }

    @Test
    void aFreeDeploymentIsHandedOutOnceThenBusyOrQueued() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "one");
        Account first = Accounts.someone();
        Account second = Accounts.someone();
        Hardware.allocate(first, Map.of("deployment", setup.id()))
                .statusCode(200)
                .body("outcome", equalTo("allocated"))
                .body("deployment", equalTo(setup.id()))
                .body("id", notNullValue())
                .body("lease_expires", notNullValue());
        Hardware.allocate(second, Map.of("deployment", setup.id()))
                .statusCode(503)
                .body("result_message", equalTo("All matching workspace deployments are busy. Try again later."))
                .body("error_message", equalTo("All matching workspace deployments are busy. Try again later."));
        Hardware.allocate(second, Map.of("deployment", setup.id(), "reserve", false))
                .statusCode(503);
        given().get("/queuelen/" + setup.id()).then().body("len", equalTo(1));
    }

    @Test
    void aReservationWaitsInTheQueueAndIsPromotedWhenTheDeploymentFrees() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "one");
        Account first = Accounts.someone();
        Account second = Accounts.someone();
        String holding = Hardware.allocated(first, Map.of("deployment", setup.id()));
        given().get("/queuelen/" + setup.id()).then().body("len", equalTo(1));
        String reservation = Hardware.allocate(
                        second,
                        Map.of(
                                "deployment",
                                setup.id(),
                                "reserve",
                                true,
                                "options",
                                Map.of("sshkey", "ssh-ed25519 AAAA test", "vpn", true, "expire_d", 3600)))
                .statusCode(200)
                .body("outcome", equalTo("reserved"))
                .extract()
                .path("id");
        given().get("/queuelen/" + setup.id()).then().body("len", equalTo(2));
        given().get("/deployment/" + setup.id()).then().body("queuelen", equalTo(2));
        given().auth()
                .oauth2(second.token())
                .get("/reservations")
                .then()
                .statusCode(200)
                .body("reservations.id", contains(reservation))
                .body("reservations[0].desc", equalTo("deployment " + setup.id()))
                .body("reservations[0].created", notNullValue());
        given().auth().oauth2(first.token()).get("/reservations").then().body("reservations", empty());
        given().auth()
                .oauth2(setup.owner().token())
                .get("/deployment/" + setup.id())
                .then()
                .body("holder.user", equalTo(first.name()))
                .body("holder.instance", equalTo(holding))
                .body("holder.since", notNullValue());
        given().auth()
                .oauth2(first.token())
                .get("/deployment/" + setup.id())
                .then()
                .body("instance", equalTo(holding));

        Hardware.release(holding)
                .statusCode(200)
                .body("released", equalTo(true))
                .body("promoted", equalTo(reservation));
        await().atMost(Duration.ofSeconds(5)).until(() -> promotedIds().contains(reservation));
        ReservationPromoted event = promoted.stream()
                .filter(p -> p.getReservationId().equals(reservation))
                .findFirst()
                .orElseThrow();
        assertEquals(setup.id(), event.getDeploymentId());
        assertEquals(second.name(), event.getUsername());
        assertEquals(second.id().toString(), event.getUserId());
        assertEquals("ssh-ed25519 AAAA test", event.getOptions().getSshPublicKey());
        assertEquals(true, event.getOptions().getVpn());
        assertEquals(3600, event.getOptions().getExpireD());
        given().auth().oauth2(second.token()).get("/reservations").then().body("reservations", empty());
        given().get("/queuelen/" + setup.id()).then().body("len", equalTo(1));
        given().get("/deployment/" + setup.id()).then().body("icounter", equalTo(1));
        given().auth()
                .oauth2(second.token())
                .get("/deployment/" + setup.id())
                .then()
                .body("instance", equalTo(reservation));
        // The promoted holding is released like any other; a second release changes nothing.
        Hardware.release(reservation)
                .statusCode(200)
                .body("released", equalTo(true))
                .body("promoted", nullValue());
        Hardware.release(reservation).statusCode(200).body("released", equalTo(false));
        given().get("/queuelen/" + setup.id()).then().body("len", equalTo(0));
        assertEquals(1, promotedIds().stream().filter(reservation::equals).count());
    }

    @Test
    void aTypeRequestTakesAnyFreeDeploymentOfTheTypeAndQueuesForAll() {
        Account owner = Accounts.someone();
        String type = Hardware.newType();
        Setup a = Hardware.online(owner, type, 0, "lab", "a");
        Setup b = Hardware.online(owner, type, 0, "lab", "b");
        String one = Hardware.allocate(Accounts.someone(), Map.of("type", type))
                .statusCode(200)
                .extract()
                .path("deployment");
        String two = Hardware.allocate(Accounts.someone(), Map.of("type", type))
                .statusCode(200)
                .extract()
                .path("deployment");
        assertNotEquals(one, two);
        Account waiting = Accounts.someone();
        String reservation = Hardware.allocate(waiting, Map.of("type", type, "reserve", true))
                .statusCode(200)
                .body("outcome", equalTo("reserved"))
                .extract()
                .path("id");
        given().auth()
                .oauth2(waiting.token())
                .get("/reservations")
                .then()
                .body("reservations[0].desc", equalTo("type " + type));
        // A type-level reservation counts in every deployment's queue.
        given().get("/queuelen/" + a.id()).then().body("len", equalTo(2));
        given().get("/queuelen/" + b.id()).then().body("len", equalTo(2));
        String holdingOfB = given().auth()
                .oauth2(Accounts.mintedAdmin())
                .get("/deployment/" + b.id())
                .then()
                .extract()
                .path("holder.instance");
        Hardware.release(holdingOfB).statusCode(200).body("promoted", equalTo(reservation));
    }

    @Test
    void priorityThenArrivalButNeverAheadOfAnOlderReservationForTheDeploymentItself() {
        Account owner = Accounts.someone();
        String type = Hardware.newType();
        Setup setup = Hardware.online(owner, type, 0, "lab", "queue");
        String holding = Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        String typeFirst = reserve(Accounts.someone(), Map.of("type", type));
        String deploymentSecond = reserve(Accounts.someone(), Map.of("deployment", setup.id()));
        String typeUrgent = reserve(Accounts.someone(), Map.of("type", type, "priority", 5, "admin", true));
        String deploymentLast = reserve(Accounts.someone(), Map.of("deployment", setup.id()));

        // Each one's place in the queue, as GET /reservations tells its user, is the order they are promoted in.
        for (Map.Entry<String, Integer> expected : Map.of(
                        deploymentSecond, 1, typeUrgent, 2, typeFirst, 3, deploymentLast, 4)
                .entrySet()) {
            given().auth()
                    .oauth2(Accounts.mintedAdmin())
                    .get("/reservations")
                    .then()
                    .body(
                            "reservations.find { it.id == '" + expected.getKey() + "' }.place",
                            equalTo(expected.getValue()));
        }
        List<String> order = new ArrayList<>();
        String current = holding;
        for (int i = 0; i < 4; i++) {
            current = Hardware.release(current).statusCode(200).extract().path("promoted");
            order.add(current);
        }
        assertEquals(List.of(deploymentSecond, typeUrgent, typeFirst, deploymentLast), order);
    }

    @Test
    void onlyAdminsSetAPriority() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        Hardware.allocate(Accounts.someone(), Map.of("deployment", setup.id(), "priority", 1))
                .statusCode(403)
                .body("error_message", equalTo("only admins may set a priority"));
    }

    @Test
    void aUserHasAtMostFiveQueuedReservations() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "popular");
        Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        Account eager = Accounts.someone();
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            mine.add(reserve(eager, Map.of("deployment", setup.id())));
        }
        Hardware.allocate(eager, Map.of("deployment", setup.id(), "reserve", true))
                .statusCode(400)
                .body(
                        "error_message",
                        equalTo("you have 5 queued reservations, the most allowed is 5; delete one"
                                + " (DELETE /reservation/:id) or wait"));
        given().auth()
                .oauth2(eager.token())
                .delete("/reservation/" + mine.get(0))
                .then()
                .statusCode(200)
                .body("id", equalTo(mine.get(0)))
                .body("state", equalTo("deleted"));
        given().auth()
                .oauth2(eager.token())
                .delete("/reservation/" + mine.get(0))
                .then()
                .statusCode(404)
                .body("error_message", equalTo("reservation not found"));
        reserve(eager, Map.of("deployment", setup.id()));
        given().get("/queuelen/" + setup.id()).then().body("len", equalTo(6));
    }

    @Test
    void anotherUsersReservationCannotBeDeletedOrSeen() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        Account holder = Accounts.someone();
        String reservation = reserve(holder, Map.of("deployment", setup.id()));
        String stranger = Accounts.someone().token();
        given().auth().oauth2(stranger).get("/reservations").then().body("reservations", empty());
        for (String path : List.of(reservation, reservation + "/", reservation + ";x=1", reservation.toUpperCase())) {
            given().auth()
                    .oauth2(stranger)
                    .delete("/reservation/" + path)
                    .then()
                    .statusCode(404);
        }
        given().auth()
                .oauth2(holder.token())
                .get("/reservations")
                .then()
                .body("reservations.id", contains(reservation));
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .get("/reservations")
                .then()
                .body("reservations.id", hasItem(reservation));
        given().delete("/reservation/" + reservation)
                .then()
                .statusCode(400)
                .body("error_message", equalTo("wrong authorization token"));
    }

    @Test
    void refusalsCarryTheTextsTheClientsMatch() {
        String type = Hardware.newType();
        Account owner = Accounts.someone();
        Account user = Accounts.someone();
        Hardware.allocate(user, Map.of("deployment", UUID.randomUUID().toString()))
                .statusCode(404)
                .body("error", equalTo("no matching wdeployment found"));
        Hardware.allocate(user, Map.of("type", "no_deployments_of_this_type"))
                .statusCode(404)
                .body("error", equalTo("no matching wdeployment found"));

        Setup offline = Hardware.offline(owner, type, 0, "lab", "off");
        Hardware.allocate(user, Map.of("deployment", offline.id()))
                .statusCode(503)
                .body("error", equalTo("workspace deployment temporarily unavailable, try again later"));
        Hardware.allocate(user, Map.of("type", type))
                .statusCode(503)
                .body("error", equalTo("workspace deployment temporarily unavailable, try again later"));

        Setup locked = Hardware.online(owner, Hardware.newType(), 0, "lab", "locked");
        given().auth()
                .oauth2(owner.token())
                .post("/deployment/" + locked.id() + "/lockout")
                .then()
                .statusCode(200);
        Hardware.allocate(user, Map.of("deployment", locked.id(), "reserve", true))
                .statusCode(400)
                .body("error", equalTo("workspace deployment is locked out (unavailable), please contact us "));

        Setup retired = Hardware.online(owner, Hardware.newType(), 0, "lab", "retired");
        given().auth()
                .oauth2(owner.token())
                .delete("/deployment/" + retired.id())
                .then()
                .statusCode(200);
        Hardware.allocate(user, Map.of("deployment", retired.id()))
                .statusCode(400)
                .body("error", equalTo("workspace deployment is permanently unavailable"));

        Hardware.allocate(user, Map.of("deployment", offline.id(), "type", type))
                .statusCode(400)
                .body("error_message", equalTo("give exactly one of type and deployment"));
        Hardware.allocate(user, Map.of()).statusCode(400);
        Hardware.allocate(user, Map.of("type", type, "reserve", "yes"))
                .statusCode(400)
                .body("error", equalTo("invalid_json"));
        Hardware.allocate(user, Map.of("type", type, "options", Map.of("expire_d", -1)))
                .statusCode(400);
        Hardware.allocate(user, Map.of("type", type, "options", Map.of("vpn", "true")))
                .statusCode(400);
    }

    @Test
    void aLockoutLetsTheHolderFinishUnlessItTerminates() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        String holding = Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        given().auth()
                .oauth2(setup.owner().token())
                .post("/deployment/" + setup.id() + "/lockout")
                .then()
                .statusCode(200);
        given().auth()
                .oauth2(setup.owner().token())
                .get("/deployment/" + setup.id())
                .then()
                .body("holder.instance", equalTo(holding));
        given().auth()
                .oauth2(setup.owner().token())
                .post("/deployment/" + setup.id() + "/lockout?terminate=true")
                .then()
                .statusCode(200)
                .body("holder", nullValue());
        Hardware.release(holding).statusCode(200).body("released", equalTo(false));
        // Let in again, it is free for the next user.
        given().auth()
                .oauth2(setup.owner().token())
                .delete("/deployment/" + setup.id() + "/lockout")
                .then()
                .statusCode(200);
        Hardware.allocate(Accounts.someone(), Map.of("deployment", setup.id())).statusCode(200);
    }

    @Test
    void aLeaseIsRenewedByItsHolderAndAnEndedHoldingCannotBe() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        String holding = Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        String renewed = given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .post("/internal/holdings/" + holding + "/renew")
                .then()
                .statusCode(200)
                .body("id", equalTo(holding))
                .extract()
                .path("lease_expires");
        assertNotNull(renewed);
        given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .get("/internal/holdings/" + holding)
                .then()
                .statusCode(200)
                .body("deployment", equalTo(setup.id()))
                .body("host", equalTo(setup.host()))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("ended")));
        Hardware.release(holding).statusCode(200);
        given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .get("/internal/holdings/" + holding)
                .then()
                .statusCode(200)
                .body("ended", notNullValue());
        given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .get("/internal/holdings/" + UUID.randomUUID())
                .then()
                .statusCode(404);
        given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .post("/internal/holdings/" + holding + "/renew")
                .then()
                .statusCode(404);
        given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .post("/internal/holdings/" + UUID.randomUUID() + "/release")
                .then()
                .statusCode(404);
    }

    @Test
    void aReleaseCanFlagTheDeploymentForItsOwnerWhoClearsIt() {
        Account owner = Accounts.someone();
        Setup setup = Hardware.online(owner, Hardware.newType(), 0, "lab", "x");
        String holding = Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
        given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .contentType(ContentType.JSON)
                .body(Map.of("attention", "instance " + holding + " ended without its device confirming"))
                .post("/internal/holdings/" + holding + "/release")
                .then()
                .statusCode(200)
                .body("released", equalTo(true));
        given().auth()
                .oauth2(owner.token())
                .get("/deployment/" + setup.id())
                .then()
                .body("attention", equalTo("instance " + holding + " ended without its device confirming"));
        Account stranger = Accounts.someone();
        given().auth()
                .oauth2(stranger.token())
                .get("/deployment/" + setup.id())
                .then()
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("attention")));
        given().auth()
                .oauth2(stranger.token())
                .delete("/deployment/" + setup.id() + "/attention")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(owner.token())
                .delete("/deployment/" + setup.id() + "/attention")
                .then()
                .statusCode(200)
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("attention")));
        given().header("Authorization", dev.rigfleet.common.testing.TestTokens.service("instances"))
                .contentType(ContentType.JSON)
                .body(Map.of("attention", "x".repeat(501)))
                .post("/internal/holdings/" + UUID.randomUUID() + "/release")
                .then()
                .statusCode(400);
    }

    @Test
    void theAllocationRoutesAreForTheInstancesServiceOnly() {
        String body = "{\"user\":\"" + UUID.randomUUID() + "\",\"username\":\"x\",\"type\":\"t\"}";
        InternalRoutes.refuseAllButTheirCallers("POST", "/internal/allocations", body, "registry");
        InternalRoutes.refuseAllButTheirCallers(
                "POST", "/internal/holdings/" + UUID.randomUUID() + "/renew", null, "coordinator");
        InternalRoutes.refuseAllButTheirCallers(
                "POST", "/internal/holdings/" + UUID.randomUUID() + "/release", null, "workspaces");
        InternalRoutes.refuseAllButTheirCallers("GET", "/internal/holdings/" + UUID.randomUUID(), null, "registry");
    }

    @Test
    void aReservationThatTimesOutEndsAndItsCallbackIsSent() throws Exception {
        try (EurlReceiver receiver = new EurlReceiver(1)) {
            Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
            Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
            Account waiting = Accounts.someone();
            String reservation = reserve(
                    waiting,
                    Map.of("deployment", setup.id(), "queue_timeout", 1, "options", Map.of("eurl", receiver.url())));
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.received().size() == 1);
            given().auth().oauth2(waiting.token()).get("/reservations").then().body("reservations", empty());
            EurlReceiver.Received callback = receiver.received().get(0);
            assertNotNull(callback.claims(), "the callback's token verifies with the platform's key");
            assertEquals(waiting.id().toString(), callback.claims().getSubject());
            assertEquals(
                    dev.rigfleet.common.auth.TokenHashes.sha256(callback.body()),
                    callback.claims().getStringClaimValue("body_sha256"));
            Map<String, Object> payload =
                    io.restassured.path.json.JsonPath.from(callback.body()).getMap("$");
            assertEquals(reservation, payload.get("id"));
            assertEquals(setup.id(), payload.get("wd"));
            assertEquals("reservation", payload.get("kind"));
            assertEquals("expired", payload.get("val"));
            assertEquals(waiting.name(), payload.get("user"));
            // The first attempt got a 500 and was retried.
            assertEquals(2, receiver.attempts());
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> given().auth()
                            .oauth2(waiting.token())
                            .get("/notifications")
                            .then()
                            .body("notifications[0].state", equalTo("delivered"))
                            .body("notifications[0].attempts", equalTo(2))
                            .body("notifications[0].last_status", equalTo(204))
                            .body("notifications[0].payload.val", equalTo("expired")));
            given().auth()
                    .oauth2(Accounts.someone().token())
                    .get("/notifications")
                    .then()
                    .body("notifications", empty());
        }
    }

    @Test
    void anInstanceStatusCallbackOwedByTheInstancesServiceIsDeliveredAndBadOnesAreRefused() throws Exception {
        String instances = dev.rigfleet.common.testing.TestTokens.service("instances");
        try (EurlReceiver receiver = new EurlReceiver(0)) {
            Account ada = Accounts.someone();
            UUID instance = UUID.randomUUID();
            UUID deployment = UUID.randomUUID();
            given().header("Authorization", instances)
                    .contentType(ContentType.JSON)
                    .body(Map.of(
                            "user", ada.id().toString(),
                            "eurl", receiver.url(),
                            "status",
                                    Map.of(
                                            "id", instance.toString(),
                                            "wd", deployment.toString(),
                                            "val", "READY",
                                            "user", ada.name())))
                    .post("/internal/notifications")
                    .then()
                    .statusCode(200);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.received().size() == 1);
            Map<String, Object> payload = io.restassured.path.json.JsonPath.from(
                            receiver.received().get(0).body())
                    .getMap("$");
            assertEquals(
                    Map.of(
                            "id", instance.toString(),
                            "wd", deployment.toString(),
                            "kind", "instance status",
                            "val", "READY",
                            "user", ada.name()),
                    payload);
            assertEquals(
                    ada.id().toString(), receiver.received().get(0).claims().getSubject());
        }
        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of("user", UUID.randomUUID().toString(), "eurl", "https://example.com/cb"),
                Map.of(
                        "user", UUID.randomUUID().toString(),
                        "eurl", "https://example.com/cb",
                        "status",
                                Map.of(
                                        "id",
                                        UUID.randomUUID().toString(),
                                        "wd",
                                        UUID.randomUUID().toString(),
                                        "val",
                                        "SLEEPING",
                                        "user",
                                        "x")))) {
            given().header("Authorization", instances)
                    .contentType(ContentType.JSON)
                    .body(bad)
                    .post("/internal/notifications")
                    .then()
                    .statusCode(400);
        }
        InternalRoutes.refuseAllButTheirCallers("POST", "/internal/notifications", "{}", "registry");
    }

    @Test
    void aDeletedReservationsCallbackIsSent() throws Exception {
        try (EurlReceiver receiver = new EurlReceiver(0)) {
            Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
            Hardware.allocated(Accounts.someone(), Map.of("deployment", setup.id()));
            Account waiting = Accounts.someone();
            String reservation =
                    reserve(waiting, Map.of("deployment", setup.id(), "options", Map.of("eurl", receiver.url())));
            given().auth()
                    .oauth2(waiting.token())
                    .delete("/reservation/" + reservation)
                    .then()
                    .statusCode(200);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> receiver.received().size() == 1);
            assertEquals(
                    "deleted",
                    io.restassured.path.json.JsonPath.from(
                                    receiver.received().get(0).body())
                            .getString("val"));
        }
    }

    @Test
    void anEurlToALoopbackOrPrivateAddressOrWithoutHttpsIsRefused() {
        try (EurlReceiver receiver = new EurlReceiver(0)) {
            Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
            Account user = Accounts.someone();
            for (String url : List.of(
                    receiver.urlByAddress(),
                    "http://10.1.2.3/hook",
                    "http://169.254.169.254/latest/meta-data",
                    "http://[::1]:8080/",
                    "http://192.168.0.1/",
                    "http://100.64.0.1/",
                    "ftp://localhost/",
                    "http://user:pw@localhost/",
                    "no url at all",
                    "http:///nohost")) {
                Hardware.allocate(
                                user, Map.of("deployment", setup.id(), "reserve", true, "options", Map.of("eurl", url)))
                        .statusCode(400)
                        .body("error", equalTo("bad_request"));
            }
            given().auth().oauth2(user.token()).get("/reservations").then().body("reservations", empty());
        }
    }

    private static String reserve(Account user, Map<String, Object> ask) {
        Map<String, Object> body = new HashMap<>(ask);
        body.put("reserve", true);
        return Hardware.allocate(user, body)
                .statusCode(200)
                .body("outcome", equalTo("reserved"))
                .extract()
                .path("id");
    }

    private List<String> promotedIds() {
        return promoted.stream().map(ReservationPromoted::getReservationId).toList();
    }
}

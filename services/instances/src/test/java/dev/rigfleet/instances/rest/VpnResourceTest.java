package dev.rigfleet.instances.rest;

import static dev.rigfleet.instances.rest.InstanceResourceTest.awaitStatus;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.HostNetwork;
import dev.rigfleet.common.testing.OpenVpnClient;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.instances.AgentDouble;
import dev.rigfleet.instances.CoordinatorStub;
import dev.rigfleet.instances.WorkspacesStub;
import dev.rigfleet.instances.rest.InstanceResourceTest.User;
import dev.rigfleet.instances.vpn.VpnRepository;
import dev.rigfleet.proto.bus.VpnChanged;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code /vpn/:id} with the real programs: the service runs the instance's OpenVPN server, and a user's machine (a
 * namespace of the test's) connects with the .ovpn the API hands out, is revoked, and is refused once the instance
 * ends. The machine's interfaces and firewall are as they were afterwards.
 */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(WorkspacesStub.class)
@WithTestResource(CoordinatorStub.class)
class VpnResourceTest {

    private static final Duration CONNECT = Duration.ofSeconds(30);
    /** The machine's side of the user's veth: rigfleet.instances.vpn.address in the test profile. */
    private static final String VPN_ADDRESS = "10.217.250.1";

    @Inject
    Bus bus;

    @Inject
    Presence presence;

    @Inject
    VpnRepository vpnRepository;

    @BeforeEach
    void aConnectedDevice() {
        WorkspacesStub.answerAllocations(ask -> WorkspacesStub.allocated(UUID.randomUUID()));
        AgentDouble.reset();
        AgentDouble.connect(bus, presence);
    }

    @Test
    void aUserJoinsTheInstancesVpnIsRevokedAndEveryoneIsRefusedOnceItEnds() throws Exception {
        String hostAddresses = HostNetwork.addresses();
        String hostRules = HostNetwork.firewall();
        User ada = User.someone();
        String id = vpnInstance(ada);
        awaitStatus(ada, id, "READY");

        JsonPath vpn = given().auth()
                .oauth2(ada.token())
                .get("/vpn/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals("ready", vpn.getString("status"));
        assertEquals(1, vpn.getList("clients").size(), "the instance's own client");
        String server = vpn.getString("server_address");
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .body("vpn.status", equalTo("ready"))
                .body("vpn.instance_address", equalTo(vpn.getString("instance_address")));

        JsonPath issued = given().auth()
                .oauth2(ada.token())
                .post("/vpn/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        String clientId = issued.getString("client_id");
        String ovpn = issued.getString("ovpn");
        for (String part : List.of("<ca>", "<cert>", "<key>", "<tls-crypt>", "remote " + VPN_ADDRESS + " ")) {
            assertTrue(ovpn.contains(part), part + " in " + ovpn);
        }
        JsonPath second = given().auth()
                .oauth2(ada.token())
                .post("/vpn/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertNotEquals(clientId, second.getString("client_id"));
        given().auth()
                .oauth2(ada.token())
                .get("/vpn/" + id)
                .then()
                .body("clients", hasSize(3))
                .body("clients", org.hamcrest.Matchers.hasItems(clientId, second.getString("client_id")));

        Path dir = Files.createTempDirectory("rigfleet-vpn-client");
        try (OpenVpnClient machine = OpenVpnClient.start("rfvtapi", VPN_ADDRESS, ovpn, dir)) {
            await().atMost(CONNECT).until(machine::connected);
            assertEquals(0, machine.ping(server), "the server's tunnel address answers across the tunnel");
            // What the agent was given for the instance itself connects too, and has the instance's address.
            String instanceClient = AgentDouble.VPN_CLIENTS.get(id);
            assertTrue(instanceClient.contains("remote " + VPN_ADDRESS + " "), instanceClient);
            try (OpenVpnClient instance = OpenVpnClient.start("rfvtins", "10.217.250.5", instanceClient, dir)) {
                await().atMost(CONNECT).until(instance::connected);
                assertEquals(
                        0,
                        machine.ping(vpn.getString("instance_address")),
                        "the user's machine reaches the instance across the VPN");
            }

            given().auth()
                    .oauth2(ada.token())
                    .delete("/vpn/" + id + "/client/" + clientId)
                    .then()
                    .statusCode(200)
                    .body("revoked", equalTo(true));
            await().atMost(CONNECT).until(() -> machine.ping(server) != 0);
            await().atMost(CONNECT)
                    .until(() -> machine.log().contains("AUTH_FAILED")
                            || machine.log().contains("Connection reset")
                            || serverLog(id).contains("CRL CHECK FAILED"));
            given().auth()
                    .oauth2(ada.token())
                    .delete("/vpn/" + id + "/client/" + clientId)
                    .then()
                    .statusCode(404)
                    .body("result_message", equalTo("client not found"));
            given().auth().oauth2(ada.token()).get("/vpn/" + id).then().body("clients", hasSize(2));
        }

        given().auth().oauth2(ada.token()).post("/terminate/" + id).then().statusCode(200);
        awaitStatus(ada, id, "TERMINATED");
        given().auth()
                .oauth2(ada.token())
                .get("/vpn/" + id)
                .then()
                .statusCode(200)
                .body("", equalTo(Map.of("status", "nil")));
        given().auth()
                .oauth2(ada.token())
                .post("/vpn/" + id)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("instance not active"));
        // The client issued before the end cannot connect: the server is gone and every client revoked.
        try (OpenVpnClient late = OpenVpnClient.start("rfvtlate", VPN_ADDRESS, second.getString("ovpn"), dir)) {
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !late.connected());
        }
        // A namespace's veth pair goes a moment after the namespace itself.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> HostNetwork.addresses().equals(hostAddresses));
        assertEquals(hostRules, HostNetwork.firewall(), "and its firewall");
    }

    @Test
    void withoutAVpnTheStatusIsNilAndOthersSeeNothing() {
        User ada = User.someone();
        String plain = given().auth()
                .oauth2(ada.token())
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        given().auth()
                .oauth2(ada.token())
                .get("/vpn/" + plain)
                .then()
                .statusCode(200)
                .body("", equalTo(Map.of("status", "nil")));
        given().auth()
                .oauth2(ada.token())
                .post("/vpn/" + plain)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("this instance has no VPN"));

        String id = vpnInstance(ada);
        User eve = User.someone();
        for (String path :
                List.of("/vpn/" + id, "/vpn/" + id + "/", "/vpn/" + id.toUpperCase(), "/vpn/" + id + ";x=1")) {
            given().auth().oauth2(eve.token()).get(path).then().statusCode(404);
            given().auth().oauth2(eve.token()).post(path).then().statusCode(404);
        }
        given().auth()
                .oauth2(eve.token())
                .get("/vpn/" + id)
                .then()
                .body("result_message", equalTo("instance not found"));
        given().auth()
                .oauth2(eve.token())
                .delete("/vpn/" + id + "/client/" + UUID.randomUUID())
                .then()
                .statusCode(404)
                .body("result_message", equalTo("instance not found"));
        given().auth()
                .oauth2(ada.token())
                .delete("/vpn/" + id + "/client/not-a-uuid")
                .then()
                .statusCode(404)
                .body("result_message", containsString("client not found"));
        // As on every rerobots route: the reference's 400, which the Rust client reads.
        given().get("/vpn/" + id).then().statusCode(400).body("error_message", equalTo("wrong authorization token"));
        given().auth()
                .oauth2(ada.token())
                .body("{\"vpn\": 1}")
                .post("/new/kobuki")
                .then()
                .statusCode(400)
                .body("result_message", equalTo("value for option `vpn` has wrong type"));
    }

    @Test
    void badClientRequestsAreRefusedAndIssueNothing() {
        User ada = User.someone();
        String id = vpnInstance(ada);
        awaitStatus(ada, id, "READY");
        Map<String, String> cases = Map.of(
                "{not json", "the request body is not valid JSON",
                "[1]", "the request body must be a JSON object",
                "{\"kind\": 7}", "value for option `kind` has wrong type",
                "{\"kind\": \"wireguard\"}", "value for option `kind` must be openvpn; WireGuard is not served yet",
                "{\"kind\": \"open\u0000vpn\"}", "the request body is not valid JSON",
                "{\"colour\": \"red\"}", "unknown option `colour`");
        cases.forEach((body, text) -> given().auth()
                .oauth2(ada.token())
                .body(body)
                .post("/vpn/" + id)
                .then()
                .statusCode(400)
                .body("result_message", equalTo(text)));
        given().auth()
                .oauth2(ada.token())
                .body("{\"kind\": \"openvpn\", \"kind\": \"openvpn\"}")
                .post("/vpn/" + id)
                .then()
                .statusCode(400);
        given().auth()
                .oauth2(ada.token())
                .body("{\"pad\": \"" + "x".repeat(1_100_000) + "\"}")
                .post("/vpn/" + id)
                .then()
                .statusCode(413);
        given().auth().oauth2(ada.token()).get("/vpn/" + id).then().body("clients", hasSize(1));
        given().auth()
                .oauth2(ada.token())
                .body("{\"kind\": \"openvpn\"}")
                .post("/vpn/" + id)
                .then()
                .statusCode(200);
        given().auth().oauth2(ada.token()).get("/vpn/" + id).then().body("clients", hasSize(2));
    }

    /**
     * Another replica stores a revocation and announces it; this one runs the server and drops the session at once
     * (its VPN sweep, every hour in this profile, cannot be what did it).
     */
    @Test
    void aRevocationStoredOnAnotherReplicaDropsTheSessionHereAtOnce() throws Exception {
        User grace = User.someone();
        String id = vpnInstance(grace);
        awaitStatus(grace, id, "READY");
        JsonPath issued = given().auth()
                .oauth2(grace.token())
                .post("/vpn/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        String server = given().auth()
                .oauth2(grace.token())
                .get("/vpn/" + id)
                .then()
                .extract()
                .path("server_address");
        Path dir = Files.createTempDirectory("rigfleet-vpn-replica");
        try (OpenVpnClient machine = OpenVpnClient.start("rfvtrep", VPN_ADDRESS, issued.getString("ovpn"), dir)) {
            await().atMost(CONNECT).until(machine::connected);
            assertEquals(0, machine.ping(server));

            UUID instanceId = UUID.fromString(id);
            vpnRepository
                    .revoke(instanceId, UUID.fromString(issued.getString("client_id")))
                    .await()
                    .atMost(Duration.ofSeconds(10));
            bus.publish(
                            Topics.VPN_CHANGED,
                            VpnChanged.newBuilder().setInstanceId(id).build())
                    .await()
                    .atMost(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10)).until(() -> machine.ping(server) != 0);
        } finally {
            given().auth().oauth2(grace.token()).post("/terminate/" + id).then().statusCode(200);
            awaitStatus(grace, id, "TERMINATED");
        }
    }

    /** A new instance with a VPN, made by {@code user}; its id. */
    static String vpnInstance(User user) {
        return given().auth()
                .oauth2(user.token())
                .body("{\"vpn\": true}")
                .post("/new/kobuki")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    private static String serverLog(String instanceId) throws Exception {
        Path log = Path.of(System.getProperty("java.io.tmpdir"), "rigfleet-vpn", instanceId, "openvpn.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }
}

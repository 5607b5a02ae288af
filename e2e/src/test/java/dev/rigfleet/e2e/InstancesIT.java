package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.HostNetwork;
import dev.rigfleet.common.testing.OpenVpnClient;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Instances end to end, through the entry proxy, on a real agent process (the local-process runtime) connected to
 * coordinator B while the instances service opens its tunnels on coordinator A, so that every SSH byte crosses the
 * bus: the official clients' ways in (OpenSSH with the host key checked, paramiko and SFTP as rerobots/py), the
 * firewall where the traffic enters, termination that promotes the next reservation, keep-alive, and the agent's
 * restart with each runtime: the local one's instance ends, the container one's lives on with its host key and fwd.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstancesIT {

    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final Stack stack = Stack.get();
    private EntryProxy entry;
    private ServiceProcess agent;
    private Map<String, String> agentConfig;
    private AgentDeployment device;
    private String type;
    private String deployment;

    @BeforeAll
    void oneDeploymentOfARealAgent() throws Exception {
        entry = EntryProxy.start(
                "instances",
                stack.workspaces.url(),
                stack.instances().url(),
                stack.registryA.url(),
                stack.coordinatorA.url());
        device = AgentDeployment.start(stack, entry, "inst", READY_WITHIN);
        agent = device.agent();
        agentConfig = device.agentConfig();
        type = device.type();
        deployment = device.deployment();
    }

    @AfterAll
    void stop() {
        agent.close();
        entry.close();
    }

    @Test
    @Order(1)
    void aUserLogsInWithOpenSshAndParamikoTheFirewallDecidesAndTerminationPromotesTheNextReservation()
            throws Exception {
        String alice = Accounts.newUserToken(stack);
        String bob = Accounts.newUserToken(stack);

        // JSON without a Content-Type, as rerobots/py sends it.
        HttpResponse<String> made = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(entry.url() + "/new/" + type))
                                .header("Authorization", "Bearer " + alice)
                                .POST(HttpRequest.BodyPublishers.ofString("{\"reserve\": false}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, made.statusCode(), made.body());
        JsonPath answer = JsonPath.from(made.body());
        assertTrue(answer.getString("sshkey").startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
        String first = answer.getString("id");
        given().auth()
                .oauth2(alice)
                .get(entry.url() + "/instance/" + first + "/sshkey")
                .then()
                .body("key", equalTo(answer.getString("sshkey")));
        given().auth()
                .oauth2(bob)
                .get(entry.url() + "/instance/" + first)
                .then()
                .statusCode(404);

        JsonPath ready = awaitReady(alice, first);
        assertEquals(deployment, ready.getString("deployment"));
        assertEquals("root", ready.getString("rootuser"));
        assertTrue(ready.getList("hostkeys", String.class).get(0).startsWith("ecdsa-sha2-nistp256 "));
        InstanceLogins logins = new InstanceLogins(ready, answer.getString("sshkey"));
        assertEquals(new InstanceLogins.Result(0, "ok\n"), logins.ssh("echo ok"));
        byte[] payload = new byte[512 * 1024];
        new SecureRandom().nextBytes(payload);
        assertEquals(new InstanceLogins.Result(0, "ok\n"), logins.paramiko("echo ok", payload));

        // The firewall, where the traffic enters: an empty chain drops all, a DROP for us too; an ACCEPT before it
        // lets us through.
        given().auth()
                .oauth2(alice)
                .get(entry.url() + "/firewall/" + first)
                .then()
                .body("rules", equalTo(List.of(Map.of("source", "0.0.0.0/0", "action", "ACCEPT"))));
        firewall(alice, "DELETE", first, null);
        assertNotEquals(0, logins.ssh("echo ok").status(), "an empty chain drops everything");
        firewall(alice, "POST", first, Map.of("src", "127.0.0.1/32", "action", "DROP"));
        assertNotEquals(0, logins.ssh("echo ok").status(), "DROP for 127.0.0.1");
        firewall(alice, "DELETE", first, null);
        firewall(alice, "POST", first, Map.of("src", "127.0.0.1/32", "action", "REJECT"));
        assertNotEquals(0, logins.ssh("echo ok").status(), "REJECT for 127.0.0.1");
        firewall(alice, "DELETE", first, null);
        // No body: the caller's own address, as the entry proxy forwarded it.
        firewall(alice, "POST", first, null);
        firewall(alice, "POST", first, Map.of("src", "127.0.0.1/32", "action", "DROP"));
        given().auth()
                .oauth2(alice)
                .get(entry.url() + "/firewall/" + first)
                .then()
                .body("rules[0]", equalTo(Map.of("source", "127.0.0.1/32", "action", "ACCEPT")))
                .body("rules[1].action", equalTo("DROP"));
        assertEquals(new InstanceLogins.Result(0, "ok\n"), logins.ssh("echo ok"), "the ACCEPT before the DROP");

        // Bob waits in the queue; alice's end frees the deployment and bob's reservation becomes his instance, whose
        // statuses his callback receiver is told.
        List<String> callbacks = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/cb", exchange -> {
            callbacks.add(
                    new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        String eurl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/cb";
        String reservation = given().auth()
                .oauth2(bob)
                .contentType(ContentType.JSON)
                .body(Map.of("reserve", true, "eurl", eurl))
                .post(entry.url() + "/new/" + type)
                .then()
                .statusCode(200)
                .body("success", equalTo(false))
                .extract()
                .path("id");
        given().auth()
                .oauth2(alice)
                .post(entry.url() + "/terminate/" + first)
                .then()
                .statusCode(200)
                .body("result_message", org.hamcrest.Matchers.nullValue());
        await().atMost(READY_WITHIN)
                .untilAsserted(() -> given().auth()
                        .oauth2(alice)
                        .get(entry.url() + "/instance/" + first)
                        .then()
                        .body("status", equalTo("TERMINATED"))
                        .body("status_reason", equalTo("terminated by its user")));
        assertNotEquals(0, logins.ssh("echo ok").status(), "a terminated instance is not reachable");
        given().auth()
                .oauth2(alice)
                .post(entry.url() + "/terminate/" + first)
                .then()
                .statusCode(400)
                .body("result_message", equalTo("instance already terminated"));

        JsonPath bobs = awaitReady(bob, reservation);
        await().atMost(READY_WITHIN)
                .untilAsserted(() -> assertEquals(
                        List.of("INIT", "READY"),
                        // Each callback is its own delivery: they may arrive in either order.
                        callbacks.stream()
                                .map(JsonPath::from)
                                .filter(callback -> reservation.equals(callback.getString("id")))
                                .map(callback -> callback.getString("val"))
                                .sorted()
                                .toList()));
        JsonPath told = JsonPath.from(callbacks.get(0));
        assertEquals("instance status", told.getString("kind"));
        assertEquals(deployment, told.getString("wd"));
        receiver.stop(0);
        String bobsKey = given().auth()
                .oauth2(bob)
                .get(entry.url() + "/instance/" + reservation + "/sshkey")
                .then()
                .statusCode(200)
                .extract()
                .path("key");
        assertEquals(new InstanceLogins.Result(0, "ok\n"), new InstanceLogins(bobs, bobsKey).ssh("echo ok"));
        assertNotEquals(ready.getList("hostkeys"), bobs.getList("hostkeys"), "each instance has a host key of its own");
        given().auth()
                .oauth2(bob)
                .post(entry.url() + "/terminate/" + reservation)
                .then()
                .statusCode(200);
        awaitStatus(bob, reservation, "TERMINATED");
        awaitDeploymentFree();
    }

    @Test
    @Order(2)
    void aKeepaliveInstanceThatNobodyRenewsIsTerminated() {
        String carol = Accounts.newUserToken(stack);
        String id = given().auth()
                .oauth2(carol)
                .contentType(ContentType.JSON)
                .body(Map.of("keepalive", true))
                .post(entry.url() + "/new/" + type)
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        awaitReady(carol, id);
        await().atMost(READY_WITHIN)
                .untilAsserted(() -> given().auth()
                        .oauth2(carol)
                        .get(entry.url() + "/instance/" + id)
                        .then()
                        .body("status", equalTo("TERMINATED"))
                        .body("status_reason", equalTo("keep-alive not renewed")));
        awaitDeploymentFree();
    }

    @Test
    @Order(3)
    void anInstanceOfTheLocalRuntimeEndsWhenItsAgentRestartsAndTheDeploymentIsFreed() throws Exception {
        String dave = Accounts.newUserToken(stack);
        String id = given().auth()
                .oauth2(dave)
                .post(entry.url() + "/new/" + type)
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        awaitReady(dave, id);

        agent.kill();
        agent = ServiceProcess.start("agent", "instance-agent-restarted", agentConfig);

        await().atMost(Duration.ofSeconds(10).plus(READY_WITHIN))
                .untilAsserted(() -> given().auth()
                        .oauth2(dave)
                        .get(entry.url() + "/instance/" + id)
                        .then()
                        .body("status", equalTo("TERMINATED"))
                        .body("status_reason", equalTo("agent restarted")));
        awaitDeploymentFree();
        given().auth()
                .oauth2(dave)
                .get(entry.url() + "/instances?include_terminated")
                .then()
                .body("workspace_instances", contains(id));
    }

    @Test
    @Order(4)
    void anInstanceOfTheContainerRuntimeKeepsItsHostKeyAndFwdAcrossItsAgentsRestart() throws Exception {
        ContainerEngine podman = startContainerAgent("instance-agent-containers");
        try {
            Map<String, String> containers = containerAgentConfig;
            String erin = Accounts.newUserToken(stack);
            JsonPath made = given().auth()
                    .oauth2(erin)
                    .post(entry.url() + "/new/" + type)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            String id = made.getString("id");
            JsonPath ready = awaitReady(erin, id);
            InstanceLogins logins = new InstanceLogins(ready, made.getString("sshkey"));
            assertEquals(new InstanceLogins.Result(0, "root\n"), logins.ssh("id -un"));
            assertEquals(new InstanceLogins.Result(0, "ok\n"), logins.paramiko("echo ok", new byte[64 * 1024]));

            agent.kill();
            agent = ServiceProcess.start("agent", "instance-agent-containers-restarted", containers);
            awaitDeploymentOnline();

            // The same instance, host key and fwd: the known_hosts of before still holds.
            await().atMost(READY_WITHIN)
                    .untilAsserted(() -> assertEquals(new InstanceLogins.Result(0, "ok\n"), logins.ssh("echo ok")));
            JsonPath after = given().auth()
                    .oauth2(erin)
                    .get(entry.url() + "/instance/" + id)
                    .then()
                    .extract()
                    .jsonPath();
            assertEquals("READY", after.getString("status"));
            assertEquals(ready.getList("hostkeys"), after.getList("hostkeys"));
            assertEquals(ready.getInt("fwd.port"), after.getInt("fwd.port"));

            given().auth()
                    .oauth2(erin)
                    .post(entry.url() + "/terminate/" + id)
                    .then()
                    .statusCode(200);
            awaitStatus(erin, id, "TERMINATED");
            awaitDeploymentFree();
        } finally {
            podman.close();
        }
    }

    @Test
    @Order(5)
    void aVpnInstanceOfTheContainerRuntimeIsOnItsUsersPrivateNetworkUntilItEnds() throws Exception {
        String hostAddresses = HostNetwork.addresses();
        String hostRules = HostNetwork.firewall();
        Path dir = Files.createTempDirectory("rigfleet-e2e-vpn");
        ContainerEngine podman = null;
        try (OpenVpnClient laptop = OpenVpnClient.machine("rfve2e", Stack.VPN_ADDRESS, dir)) {
            podman = startContainerAgent("instance-agent-vpn");
            String frank = Accounts.newUserToken(stack);
            JsonPath made = given().auth()
                    .oauth2(frank)
                    .contentType(ContentType.JSON)
                    .body(Map.of("vpn", true))
                    .post(entry.url() + "/new/" + type)
                    .then()
                    .statusCode(200)
                    .extract()
                    .jsonPath();
            String id = made.getString("id");
            JsonPath ready = awaitReady(frank, id);
            JsonPath vpn = given().auth()
                    .oauth2(frank)
                    .get(entry.url() + "/vpn/" + id)
                    .then()
                    .statusCode(200)
                    .body("status", equalTo("ready"))
                    .extract()
                    .jsonPath();
            String instanceAddress = vpn.getString("instance_address");

            String ovpn = given().auth()
                    .oauth2(frank)
                    .post(entry.url() + "/vpn/" + id)
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("ovpn");
            laptop.connect(ovpn);
            await().atMost(READY_WITHIN).until(laptop::connected);
            assertEquals(0, laptop.ping(instanceAddress), "the instance answers on the VPN");
            // The user logs in across the VPN itself, to the instance's own address, which sees its VPN interface.
            Path key = dir.resolve("key");
            Files.writeString(key, made.getString("sshkey"));
            Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(
                    dir.resolve("known_hosts"),
                    instanceAddress + " "
                            + ready.getList("hostkeys", String.class).get(0) + "\n");
            HostNetwork.Result login = laptop.inside(InstanceLogins.sshCommand(
                            dir.resolve("known_hosts"),
                            key,
                            instanceAddress,
                            22,
                            "cat /sys/class/net/vpn0/operstate /proc/net/route")
                    .toArray(String[]::new));
            assertEquals(0, login.status(), login.output());
            assertTrue(login.output().contains("vpn0"), login.output());

            given().auth()
                    .oauth2(frank)
                    .post(entry.url() + "/terminate/" + id)
                    .then()
                    .statusCode(200);
            awaitStatus(frank, id, "TERMINATED");
            await().atMost(READY_WITHIN).until(() -> laptop.ping(instanceAddress) != 0);
            awaitDeploymentFree();
        } finally {
            if (podman != null) {
                podman.close();
            }
        }
        // Nothing of the VPN stays on the machine: a namespace's veth pair goes a moment after the namespace.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> HostNetwork.addresses().equals(hostAddresses));
        assertEquals(hostRules, HostNetwork.firewall());
    }

    private Map<String, String> containerAgentConfig;

    /** A container engine, and the agent restarted with the container runtime on it. */
    private ContainerEngine startContainerAgent(String name) throws Exception {
        ContainerEngine engine = ContainerEngine.start();
        containerAgentConfig = new HashMap<>(agentConfig);
        containerAgentConfig.putAll(engine.agentConfig());
        agent.kill();
        agent = ServiceProcess.start("agent", name, containerAgentConfig);
        awaitDeploymentOnline();
        return engine;
    }

    private void firewall(String token, String method, String id, Map<String, String> body) {
        var request = given().auth().oauth2(token);
        if (body != null) {
            request = request.contentType(ContentType.JSON).body(body);
        }
        request.request(method, entry.url() + "/firewall/" + id).then().statusCode(200);
    }

    /** Polls as the Rust CLI's {@code isready} does, once a second while INIT. */
    private JsonPath awaitReady(String token, String id) {
        awaitStatus(token, id, "READY");
        return given().auth()
                .oauth2(token)
                .get(entry.url() + "/instance/" + id)
                .then()
                .extract()
                .jsonPath();
    }

    private void awaitStatus(String token, String id, String status) {
        await().atMost(READY_WITHIN)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> given().auth()
                        .oauth2(token)
                        .get(entry.url() + "/instance/" + id)
                        .then()
                        .body("status", equalTo(status)));
    }

    private void awaitDeploymentOnline() {
        device.awaitOnline(entry, READY_WITHIN);
    }

    private void awaitDeploymentFree() {
        await().atMost(READY_WITHIN)
                .untilAsserted(() -> given().get(entry.url() + "/queuelen/" + deployment)
                        .then()
                        .body("len", equalTo(0)));
    }
}

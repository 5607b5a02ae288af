package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A workspace type of its own with one deployment: a real agent process (the local-process runtime unless its
 * config says otherwise), enrolled in a fleet of a new owner's through registry A, dialling coordinator B, so that
 * whatever the instances service opens on coordinator A crosses the bus.
 */
/** {@code uuid} is the device's, the deployment's host; {@code ownerToken} a token of the device's owner. */
record AgentDeployment(
        String type,
        String deployment,
        String uuid,
        ServiceProcess agent,
        Map<String, String> agentConfig,
        String ownerToken) {

    static AgentDeployment start(Stack stack, EntryProxy entry, String name, Duration within) throws Exception {
        return start(stack, entry, name, within, Map.of());
    }

    /** With more of the agent's configuration (its session user, say). */
    static AgentDeployment start(Stack stack, EntryProxy entry, String name, Duration within, Map<String, String> more)
            throws Exception {
        String owner = Accounts.newUserToken(stack);
        String type = "e2e_" + name + "_"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        given().auth()
                .oauth2(Accounts.adminToken(stack))
                .contentType(ContentType.JSON)
                .body(Map.of("name", type))
                .post(entry.url() + "/workspaces")
                .then()
                .statusCode(200);
        Fleets fleet = Fleets.create(stack, owner, name + "-rigs", 1);
        Path stateDir = Files.createTempDirectory("rigfleet-" + name + "-agent");
        Map<String, String> agentConfig = new HashMap<>(Map.of(
                "rigfleet.agent.servers", stack.coordinatorB.url(),
                "rigfleet.agent.provisioning-url", stack.registryA.url(),
                "rigfleet.agent.provisioning-key", fleet.provisioningKey(),
                "rigfleet.agent.state-dir", stateDir.toString(),
                "rigfleet.agent.iofog-port", "0",
                "rigfleet.agent.iofog-key-file", stateDir.resolve("local-api").toString()));
        agentConfig.putAll(more);
        ServiceProcess agent = ServiceProcess.start("agent", name + "-agent", agentConfig);
        String uuid = Fleets.awaitOnlyDeviceOnline(stack, owner, fleet.appId(), within);
        String deployment = given().auth()
                .oauth2(owner)
                .contentType(ContentType.JSON)
                .body(Map.of("type", type, "host", uuid))
                .post(entry.url() + "/deployments")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        AgentDeployment made = new AgentDeployment(type, deployment, uuid, agent, agentConfig, owner);
        made.awaitOnline(entry, within);
        return made;
    }

    void awaitOnline(EntryProxy entry, Duration within) {
        await().atMost(within)
                .until(() -> given().get(entry.url() + "/deployment/" + deployment)
                        .then()
                        .extract()
                        .<Boolean>path("online"));
    }
}

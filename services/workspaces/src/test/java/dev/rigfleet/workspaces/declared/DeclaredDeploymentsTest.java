package dev.rigfleet.workspaces.declared;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.Hardware;
import dev.rigfleet.workspaces.hardware.RegistryStub;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Deployments declared as WorkspaceDeployment resources. No Kubernetes API server runs here: this is Fabric8's mock
 * server in CRUD mode, with k8s/workspacedeployment-crd.yaml applied to it, storing the resources and their status.
 */
@QuarkusTest
@TestProfile(DeclaredDeploymentsTest.InCluster.class)
@WithKubernetesTestServer(crud = true)
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class DeclaredDeploymentsTest {

    static final String NAMESPACE = "rigfleet";

    public static class InCluster implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "rigfleet.workspaces.kubernetes.enabled", "true",
                    "rigfleet.workspaces.kubernetes.namespace", NAMESPACE,
                    "rigfleet.workspaces.kubernetes.resync", "1s");
        }
    }

    @Inject
    KubernetesClient kubernetes;

    private String owner;
    private UUID ownerId;
    private String type;

    @BeforeEach
    void anOwnerAndAType() throws Exception {
        try (InputStream crd = Files.newInputStream(Path.of("../../k8s/workspacedeployment-crd.yaml"))) {
            Resource<CustomResourceDefinition> definition =
                    kubernetes.apiextensions().v1().customResourceDefinitions().load(crd);
            if (definition.get() == null) {
                definition.create();
            }
        }
        owner = Accounts.newUser();
        ownerId = UUID.fromString(subject(Accounts.token(owner, Accounts.PASSWORD)));
        type = Hardware.newType();
    }

    @Test
    void aDeclaredDeploymentIsMadeAsTheApiMakesItAndItsStatusTellsItsState() {
        String host = RegistryStub.enrol(ownerId);
        String peripheral = RegistryStub.enrol(ownerId);
        String name =
                declare(new WorkspaceDeployment.Spec(owner, type, host, List.of(peripheral), "lab", "two arms", null));

        String id = awaitReady(name).deploymentId();
        given().get("/deployment/" + id)
                .then()
                .statusCode(200)
                .body("type", equalTo(type))
                .body("region", equalTo("lab"))
                .body("desc", equalTo("two arms"))
                .body("online", equalTo(false));
        assertEquals(false, status(name).online());
        assertEquals(0L, status(name).queueLength());

        Hardware.connect(host);
        Hardware.connect(peripheral);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Boolean.TRUE.equals(status(name).online()));
        given().get("/deployment/" + id).then().body("online", equalTo(true));

        String holding = Hardware.allocated(Accounts.someone(), Map.of("deployment", id));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Long.valueOf(1).equals(status(name).queueLength()));
        assertTrue(status(name).holder() != null, "its holder: " + holding);
    }

    @Test
    void aChangedResourceChangesItsDeploymentAndADeletedOneRetiresIt() {
        String host = RegistryStub.enrol(ownerId);
        String name = declare(new WorkspaceDeployment.Spec(owner, type, host, null, "lab", null, null));
        String id = awaitReady(name).deploymentId();

        // The API server counts a spec change in the generation; the mock server does not, so the test does.
        resource(name).edit(r -> {
            r.getMetadata().setGeneration(r.getMetadata().getGeneration() + 1);
            r.setSpec(new WorkspaceDeployment.Spec(owner, type, host, null, "basement", "moved", true));
            return r;
        });
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().get("/deployment/" + id)
                        .then()
                        .body("region", equalTo("basement"))
                        .body("desc", equalTo("moved"))
                        .body("lockout", equalTo(true)));

        resource(name).delete();
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> given().get("/deployment/" + id)
                        .then()
                        .statusCode(200)
                        .body("dissolved", org.hamcrest.Matchers.notNullValue()));
    }

    @Test
    void anApiMadeDeploymentOnTheSameHostIsAdopted() {
        Hardware.Setup made = Hardware.offline(
                new Accounts.Account(ownerId, owner, Accounts.token(owner, Accounts.PASSWORD)), type, 0, "", "");
        String name = declare(new WorkspaceDeployment.Spec(owner, type, made.host(), null, "adopted", null, null));

        assertEquals(made.id(), awaitReady(name).deploymentId());
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(
                        () -> given().get("/deployment/" + made.id()).then().body("region", equalTo("adopted")));
    }

    @Test
    void whatCannotBeDeclaredIsTheResourcesConditionNotADeployment() {
        String strangers = RegistryStub.enrol(UUID.randomUUID());
        String name = declare(new WorkspaceDeployment.Spec(owner, type, strangers, null, null, null, null));

        Condition ready = awaitCondition(name, "False");
        assertEquals("NotInSync", ready.getReason());
        assertTrue(ready.getMessage().contains(strangers), ready.getMessage());
        assertEquals(null, status(name).deploymentId());

        String unknown = declare(new WorkspaceDeployment.Spec(
                "nobody_" + UUID.randomUUID().toString().substring(0, 8),
                type,
                RegistryStub.enrol(ownerId),
                null,
                null,
                null,
                null));
        assertTrue(awaitCondition(unknown, "False").getMessage().contains("spec.owner"));
    }

    private String declare(WorkspaceDeployment.Spec spec) {
        String name = "wsd-" + UUID.randomUUID().toString().substring(0, 8);
        WorkspaceDeployment resource = new WorkspaceDeployment();
        resource.setMetadata(new ObjectMetaBuilder()
                .withName(name)
                .withNamespace(NAMESPACE)
                .withGeneration(1L)
                .build());
        resource.setSpec(spec);
        kubernetes
                .resources(WorkspaceDeployment.class)
                .inNamespace(NAMESPACE)
                .resource(resource)
                .create();
        return name;
    }

    private Resource<WorkspaceDeployment> resource(String name) {
        return kubernetes
                .resources(WorkspaceDeployment.class)
                .inNamespace(NAMESPACE)
                .withName(name);
    }

    private WorkspaceDeployment.Status status(String name) {
        WorkspaceDeployment found = resource(name).get();
        return found == null || found.getStatus() == null
                ? new WorkspaceDeployment.Status(null, null, null, null, null, List.of())
                : found.getStatus();
    }

    private WorkspaceDeployment.Status awaitReady(String name) {
        awaitCondition(name, "True");
        return status(name);
    }

    private Condition awaitCondition(String name, String expected) {
        return await().atMost(Duration.ofSeconds(15))
                .until(
                        () -> status(name).conditions() == null
                                ? null
                                : status(name).conditions().stream()
                                        .filter(c -> c.getType().equals("Ready"))
                                        .findFirst()
                                        .orElse(null),
                        condition -> condition != null && condition.getStatus().equals(expected));
    }

    private static String subject(String token) {
        String payload = token.split("\\.")[1];
        return new JsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8))
                .getString("sub");
    }
}

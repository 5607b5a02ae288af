package dev.rigfleet.instances.rest;

import static dev.rigfleet.instances.rest.InstanceResourceTest.awaitStatus;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.instances.AgentDouble;
import dev.rigfleet.instances.ClusterControllers;
import dev.rigfleet.instances.CoordinatorStub;
import dev.rigfleet.instances.WorkspacesStub;
import dev.rigfleet.instances.rest.InstanceResourceTest.User;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The instances service in a cluster. No Kubernetes API server runs here: this is Fabric8's mock server in CRUD
 * mode, which stores what the service makes; what the API server's controllers would add (a Service's node port),
 * the test adds as they would.
 */
@QuarkusTest
@TestProfile(InClusterInstanceTest.InCluster.class)
@WithKubernetesTestServer(crud = true)
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(WorkspacesStub.class)
@WithTestResource(CoordinatorStub.class)
class InClusterInstanceTest {

    static final String NAMESPACE = "rigfleet";
    static final String FWD_ADDRESS = "203.0.113.7";

    public static class InCluster implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "rigfleet.instances.kubernetes.enabled", "true",
                    "rigfleet.instances.kubernetes.namespace", NAMESPACE,
                    "rigfleet.instances.kubernetes.object-prefix", "rf",
                    "rigfleet.instances.kubernetes.address-timeout", "10s",
                    "rigfleet.instances.fwd-address", FWD_ADDRESS);
        }
    }

    @Inject
    KubernetesClient kubernetes;

    @Inject
    Bus bus;

    @Inject
    Presence presence;

    private ClusterControllers controllers;

    @BeforeEach
    void aConnectedDeviceAndAnApiServerThatGivesNodePorts() {
        WorkspacesStub.answerAllocations(ask -> WorkspacesStub.allocated(UUID.randomUUID()));
        AgentDouble.reset();
        AgentDouble.connect(bus, presence);
        controllers = new ClusterControllers(kubernetes, NAMESPACE);
    }

    @AfterEach
    void stopTheControllers() {
        controllers.close();
    }

    @Test
    void anInstancesFwdIsAServiceOnTheCoordinatorPodHoldingItsTunnelOwnedByItsParent() {
        User ada = User.someone();
        String id = InstanceDeviceSideTest.made(ada);
        awaitStatus(ada, id, "READY");

        Service fwd = kubernetes
                .services()
                .inNamespace(NAMESPACE)
                .withName("rf-fwd-" + id)
                .get();
        ConfigMap parent = kubernetes
                .configMaps()
                .inNamespace(NAMESPACE)
                .withName("rf-instance-" + id)
                .get();
        int tunnelPort = CoordinatorStub.OPEN.values().stream()
                .filter(t -> t.devicePort() == AgentDouble.RUNNING.get(id))
                .findFirst()
                .orElseThrow()
                .port();
        assertEquals("NodePort", fwd.getSpec().getType());
        assertEquals(
                Map.of("statefulset.kubernetes.io/pod-name", CoordinatorStub.POD),
                fwd.getSpec().getSelector());
        assertEquals(tunnelPort, fwd.getSpec().getPorts().get(0).getTargetPort().getIntVal());
        assertEquals(
                List.of(parent.getMetadata().getUid()),
                fwd.getMetadata().getOwnerReferences().stream()
                        .map(owner -> owner.getUid())
                        .toList(),
                "owned by the instance's parent");
        Map<String, String> labels = Map.of(
                "app.kubernetes.io/managed-by", "rigfleet-instances",
                "rigfleet.dev/installation", "rf",
                "rigfleet.dev/instance", id);
        assertEquals(labels, fwd.getMetadata().getLabels());
        assertEquals(labels, parent.getMetadata().getLabels());
        given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .body("fwd.ipv4", equalTo(FWD_ADDRESS))
                .body("fwd.port", equalTo(fwd.getSpec().getPorts().get(0).getNodePort()));
    }

    @Test
    void aVpnIsRefusedWithTheReasonWhenTheInstallationRunsNoVpnServers() {
        given().auth()
                .oauth2(User.someone().token())
                .body("{\"vpn\": true}")
                .post("/new/kobuki")
                .then()
                .statusCode(503)
                .body("error_message", containsString("rigfleet.instances.kubernetes.vpn.image is unset"));
    }

    @Test
    void terminatingDeletesTheInstancesObjects() {
        User ada = User.someone();
        String id = InstanceDeviceSideTest.made(ada);
        awaitStatus(ada, id, "READY");
        assertEquals(2, objectsOf(id));

        given().auth().oauth2(ada.token()).post("/terminate/" + id).then().statusCode(200);

        awaitStatus(ada, id, "TERMINATED");
        await().atMost(Duration.ofSeconds(10)).until(() -> objectsOf(id) == 0);
    }

    @Test
    void theSweepDeletesObjectsWhoseInstanceIsGoneAndLeavesAnotherInstallationsAlone() {
        String gone = UUID.randomUUID().toString();
        KubernetesClient client = kubernetes;
        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(parent("rf-instance-" + gone, "rf", gone))
                .create();
        client.services()
                .inNamespace(NAMESPACE)
                .resource(service("rf-fwd-" + gone, "rf", gone))
                .create();
        String other = UUID.randomUUID().toString();
        client.configMaps()
                .inNamespace(NAMESPACE)
                .resource(parent("other-instance-" + other, "other", other))
                .create();

        await().atMost(Duration.ofSeconds(15)).until(() -> objectsOf(gone) == 0);
        assertTrue(client.configMaps()
                        .inNamespace(NAMESPACE)
                        .withName("other-instance-" + other)
                        .get()
                != null);
    }

    private long objectsOf(String instance) {
        Map<String, String> labels = Map.of("rigfleet.dev/instance", instance);
        KubernetesClient client = kubernetes;
        return client.services()
                        .inNamespace(NAMESPACE)
                        .withLabels(labels)
                        .list()
                        .getItems()
                        .size()
                + client.configMaps()
                        .inNamespace(NAMESPACE)
                        .withLabels(labels)
                        .list()
                        .getItems()
                        .size();
    }

    private static ConfigMap parent(String name, String installation, String instance) {
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels(installation, instance))
                .endMetadata()
                .build();
    }

    private static Service service(String name, String installation, String instance) {
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels(installation, instance))
                .endMetadata()
                .withNewSpec()
                .withType("NodePort")
                .addNewPort()
                .withPort(22)
                .withNodePort(31999)
                .endPort()
                .endSpec()
                .build();
    }

    private static Map<String, String> labels(String installation, String instance) {
        return Map.of(
                "app.kubernetes.io/managed-by", "rigfleet-instances",
                "rigfleet.dev/installation", installation,
                "rigfleet.dev/instance", instance);
    }
}

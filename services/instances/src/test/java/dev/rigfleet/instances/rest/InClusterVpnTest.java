package dev.rigfleet.instances.rest;

import static dev.rigfleet.instances.rest.InstanceResourceTest.awaitStatus;
import static dev.rigfleet.instances.rest.VpnResourceTest.vpnInstance;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Instances' VPN servers as workloads of the cluster, against Fabric8's mock server in CRUD mode (no API server
 * runs here): it stores what the service makes, and {@link ClusterControllers} adds what controllers would (node
 * ports, a ready pod). e2e's {@code ImagesIT} runs the image on the files
 * of the Secret as the pod would.
 */
@QuarkusTest
@TestProfile(InClusterVpnTest.WithVpnServers.class)
@WithKubernetesTestServer(crud = true)
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(WorkspacesStub.class)
@WithTestResource(CoordinatorStub.class)
class InClusterVpnTest {

    static final String NAMESPACE = InClusterInstanceTest.NAMESPACE;
    static final String VPN_NAMESPACE = "rigfleet-vpn";
    static final String FWD_ADDRESS = InClusterInstanceTest.FWD_ADDRESS;
    static final String IMAGE = "registry.example.org/rigfleet/rigfleet-vpn:1.0";

    /** The installation of {@link InClusterInstanceTest}, with VPN servers. */
    public static class WithVpnServers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(new InClusterInstanceTest.InCluster().getConfigOverrides());
            config.put("rigfleet.instances.kubernetes.vpn.image", IMAGE);
            config.put("rigfleet.instances.kubernetes.vpn.namespace", VPN_NAMESPACE);
            // Within the instances' INIT bound of the tests (4 s).
            config.put("rigfleet.instances.kubernetes.vpn.start-timeout", "2s");
            return config;
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
    void aConnectedDeviceAndAnApiServerThatRunsWhatItIsGiven() {
        WorkspacesStub.answerAllocations(ask -> WorkspacesStub.allocated(UUID.randomUUID()));
        AgentDouble.reset();
        AgentDouble.connect(bus, presence);
        controllers = new ClusterControllers(kubernetes, NAMESPACE, VPN_NAMESPACE);
    }

    @AfterEach
    void stopTheControllers() {
        controllers.close();
    }

    @Test
    void aVpnServerIsADeploymentOnItsSecretBehindAServiceWhoseAddressClientsAreGiven() {
        User ada = User.someone();
        String id = vpnInstance(ada);
        awaitStatus(ada, id, "READY");

        String name = "rf-vpn-" + id;
        Secret secret =
                kubernetes.secrets().inNamespace(VPN_NAMESPACE).withName(name).get();
        Deployment deployment = kubernetes
                .apps()
                .deployments()
                .inNamespace(VPN_NAMESPACE)
                .withName(name)
                .get();
        Service service =
                kubernetes.services().inNamespace(VPN_NAMESPACE).withName(name).get();
        ConfigMap parent = kubernetes
                .configMaps()
                .inNamespace(VPN_NAMESPACE)
                .withName("rf-instance-" + id)
                .get();
        for (var object : List.of(secret, deployment, service)) {
            assertEquals(
                    List.of(parent.getMetadata().getUid()),
                    object.getMetadata().getOwnerReferences().stream()
                            .map(owner -> owner.getUid())
                            .toList(),
                    object.getKind() + " owned by the instance's parent in the VPN namespace");
            assertEquals(id, object.getMetadata().getLabels().get("rigfleet.dev/instance"));
            assertEquals("rf", object.getMetadata().getLabels().get("rigfleet.dev/installation"));
        }

        String config = text(secret, "server.conf");
        assertTrue(config.contains("port 1194\n"), config);
        assertTrue(config.contains("crl-verify /run/vpn/crl.pem\n"), config);
        assertFalse(config.contains("\nup "), "the pod is the VPN's own namespace: no up script");
        assertTrue(text(secret, "instance").startsWith("ifconfig-push "));
        assertEquals("1", secret.getMetadata().getAnnotations().get("rigfleet.dev/crl-number"));

        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container openvpn = pod.getContainers().get(0);
        assertEquals(IMAGE, openvpn.getImage());
        assertEquals("Recreate", deployment.getSpec().getStrategy().getType());
        assertEquals(
                List.of("NET_ADMIN"),
                openvpn.getSecurityContext().getCapabilities().getAdd());
        assertEquals(
                List.of("ALL"), openvpn.getSecurityContext().getCapabilities().getDrop());
        assertEquals(Boolean.FALSE, openvpn.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(Boolean.TRUE, openvpn.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(Boolean.FALSE, pod.getAutomountServiceAccountToken());
        assertEquals(
                "/dev/net/tun",
                pod.getVolumes().stream()
                        .filter(volume -> volume.getHostPath() != null)
                        .findFirst()
                        .orElseThrow()
                        .getHostPath()
                        .getPath());
        assertEquals(
                deployment.getSpec().getSelector().getMatchLabels(),
                service.getSpec().getSelector(),
                "the Service selects the server's pod");

        int nodePort = service.getSpec().getPorts().get(0).getNodePort();
        String remote = "remote " + FWD_ADDRESS + " " + nodePort + "\n";
        assertTrue(AgentDouble.VPN_CLIENTS.get(id).contains(remote), "the device's client: " + remote);
        String issued = given().auth()
                .oauth2(ada.token())
                .post("/vpn/" + id)
                .then()
                .statusCode(200)
                .extract()
                .path("ovpn");
        assertTrue(issued.contains(remote), issued);
        assertTrue(issued.contains("verify-x509-name rigfleet-vpn-" + id + " name"), "clients check the server's name");
    }

    @Test
    void aRevocationPutsTheNewCrlInTheSecretAndRestartsThePodOnIt() throws Exception {
        User ada = User.someone();
        String id = vpnInstance(ada);
        awaitStatus(ada, id, "READY");
        JsonPath issued = given().auth()
                .oauth2(ada.token())
                .post("/vpn/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        BigInteger serial = certificateOf(issued.getString("ovpn")).getSerialNumber();
        String name = "rf-vpn-" + id;
        assertFalse(crl(kubernetes
                        .secrets()
                        .inNamespace(VPN_NAMESPACE)
                        .withName(name)
                        .get())
                .isRevoked(certificateOf(issued.getString("ovpn"))));

        given().auth()
                .oauth2(ada.token())
                .delete("/vpn/" + id + "/client/" + issued.getString("client_id"))
                .then()
                .statusCode(200);

        Secret secret =
                kubernetes.secrets().inNamespace(VPN_NAMESPACE).withName(name).get();
        assertEquals("2", secret.getMetadata().getAnnotations().get("rigfleet.dev/crl-number"));
        X509CRL crl = crl(secret);
        assertTrue(crl.getRevokedCertificate(serial) != null, "the client's serial is in the Secret's CRL");
        assertEquals(
                "2",
                kubernetes
                        .apps()
                        .deployments()
                        .inNamespace(VPN_NAMESPACE)
                        .withName(name)
                        .get()
                        .getSpec()
                        .getTemplate()
                        .getMetadata()
                        .getAnnotations()
                        .get("rigfleet.dev/crl-number"),
                "a new pod template: the Deployment replaces the pod, which starts on the new CRL");
    }

    @Test
    void terminatingDeletesTheVpnServerAndItsParentInEveryNamespace() {
        User ada = User.someone();
        String id = vpnInstance(ada);
        awaitStatus(ada, id, "READY");
        assertEquals(4, objectsOf(VPN_NAMESPACE, id), "parent, Secret, Deployment, Service");
        assertEquals(2, objectsOf(NAMESPACE, id), "parent, fwd Service");

        given().auth().oauth2(ada.token()).post("/terminate/" + id).then().statusCode(200);

        awaitStatus(ada, id, "TERMINATED");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> objectsOf(VPN_NAMESPACE, id) + objectsOf(NAMESPACE, id) == 0);
        given().auth().oauth2(ada.token()).get("/vpn/" + id).then().body("status", equalTo("nil"));
    }

    @Test
    void aVpnServerThatNeverServesEndsTheInstanceInitFailWithTheReason() {
        controllers.close();
        controllers = new ClusterControllers(kubernetes, NAMESPACE);
        User ada = User.someone();
        String id = vpnInstance(ada);

        awaitStatus(ada, id, "INIT_FAIL");
        String reason = given().auth()
                .oauth2(ada.token())
                .get("/instance/" + id)
                .then()
                .extract()
                .path("status_reason");
        assertTrue(reason.contains("rf-vpn-" + id + " did not serve within 2 s"), reason);
        await().atMost(Duration.ofSeconds(10)).until(() -> objectsOf(VPN_NAMESPACE, id) == 0);
    }

    private long objectsOf(String namespace, String instance) {
        Map<String, String> labels = Map.of("rigfleet.dev/instance", instance);
        return kubernetes
                        .services()
                        .inNamespace(namespace)
                        .withLabels(labels)
                        .list()
                        .getItems()
                        .size()
                + kubernetes
                        .configMaps()
                        .inNamespace(namespace)
                        .withLabels(labels)
                        .list()
                        .getItems()
                        .size()
                + kubernetes
                        .secrets()
                        .inNamespace(namespace)
                        .withLabels(labels)
                        .list()
                        .getItems()
                        .size()
                + kubernetes
                        .apps()
                        .deployments()
                        .inNamespace(namespace)
                        .withLabels(labels)
                        .list()
                        .getItems()
                        .size();
    }

    private static String text(Secret secret, String key) {
        return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
    }

    private static X509CRL crl(Secret secret) throws Exception {
        return (X509CRL) CertificateFactory.getInstance("X.509")
                .generateCRL(new ByteArrayInputStream(text(secret, "crl.pem").getBytes(StandardCharsets.US_ASCII)));
    }

    private static X509Certificate certificateOf(String ovpn) throws Exception {
        Matcher cert = Pattern.compile("<cert>\n(.*?)</cert>", Pattern.DOTALL).matcher(ovpn);
        assertTrue(cert.find(), ovpn);
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(cert.group(1).getBytes(StandardCharsets.US_ASCII)));
    }
}

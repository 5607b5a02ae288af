package dev.rigfleet.keygen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Against the Fabric8 mock Kubernetes API in CRUD mode (no API server can run on these machines). */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class KeySecretTest {

    private static final String NAMESPACE = "rigfleet";

    @Inject
    KeySecret keySecret;

    @Inject
    KubernetesClient kubernetes;

    @Test
    void anAbsentSecretIsMadeWithEveryKey() {
        String name = fresh();

        List<String> added = keySecret.ensure(NAMESPACE, name);

        assertEquals(Set.copyOf(GeneratedKeys.NAMES), Set.copyOf(added));
        Secret secret = read(name);
        assertEquals(Set.copyOf(GeneratedKeys.NAMES), secret.getData().keySet());
        assertEquals("Opaque", secret.getType());
        assertEquals("keys", secret.getMetadata().getLabels().get("app.kubernetes.io/component"));
    }

    @Test
    void aSecondRunChangesNothing() {
        String name = fresh();
        keySecret.ensure(NAMESPACE, name);
        Secret first = read(name);

        List<String> added = keySecret.ensure(NAMESPACE, name);

        assertTrue(added.isEmpty(), added.toString());
        Secret second = read(name);
        assertEquals(first.getData(), second.getData());
        assertEquals(
                first.getMetadata().getResourceVersion(), second.getMetadata().getResourceVersion(), "no write");
    }

    @Test
    void aSecretMissingKeysIsCompletedAndWhatItHeldIsKept() throws Exception {
        String name = fresh();
        String privatePem = new GeneratedKeys().missingFrom(Map.of()).get(GeneratedKeys.PRIVATE_PEM);
        kubernetes
                .secrets()
                .inNamespace(NAMESPACE)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .addToData(GeneratedKeys.PRIVATE_PEM, base64(privatePem))
                        .addToData(GeneratedKeys.SERVICE_KEY, base64("the operator's key"))
                        .addToData("unrelated", base64("kept"))
                        .build())
                .create();

        List<String> added = keySecret.ensure(NAMESPACE, name);

        assertEquals(
                Set.of(
                        GeneratedKeys.PUBLIC_PEM,
                        GeneratedKeys.REGISTRY_SECRETS_KEY,
                        GeneratedKeys.INSTANCES_SECRETS_KEY,
                        GeneratedKeys.POSTGRESQL_PASSWORD),
                Set.copyOf(added));
        Map<String, String> data = read(name).getData();
        assertEquals(base64(privatePem), data.get(GeneratedKeys.PRIVATE_PEM));
        assertEquals(base64("the operator's key"), data.get(GeneratedKeys.SERVICE_KEY));
        assertEquals(base64("kept"), data.get("unrelated"));
        GeneratedKeysTest.assertSignsAndVerifies(privatePem, text(data.get(GeneratedKeys.PUBLIC_PEM)));
    }

    private Secret read(String name) {
        return kubernetes.secrets().inNamespace(NAMESPACE).withName(name).get();
    }

    private static String fresh() {
        return "keys-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String text(String base64) {
        return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }
}

package dev.rigfleet.keygen;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The Secret of generated keys: made when absent, completed when a key is missing, otherwise left alone. */
@ApplicationScoped
public class KeySecret {

    /** Another writer (a second Job) may create the Secret between our read and our create: read it again. */
    private static final int ATTEMPTS = 3;

    private final KubernetesClient kubernetes;
    private final GeneratedKeys keys = new GeneratedKeys();

    KeySecret(KubernetesClient kubernetes) {
        this.kubernetes = kubernetes;
    }

    /** Adds every missing key to the Secret {@code name} of {@code namespace}; returns the names of those added. */
    public List<String> ensure(String namespace, String name) {
        for (int attempt = 1; ; attempt++) {
            Resource<Secret> resource =
                    kubernetes.secrets().inNamespace(namespace).withName(name);
            Secret existing = resource.get();
            if (existing != null) {
                Map<String, String> made = keys.missingFrom(decoded(existing.getData()));
                if (!made.isEmpty()) {
                    resource.edit(secret ->
                            new SecretBuilder(secret).addToData(encoded(made)).build());
                }
                return List.copyOf(made.keySet());
            }
            Map<String, String> made = keys.missingFrom(Map.of());
            try {
                kubernetes
                        .secrets()
                        .inNamespace(namespace)
                        .resource(new SecretBuilder()
                                .withNewMetadata()
                                .withName(name)
                                .addToLabels("app.kubernetes.io/name", "rigfleet")
                                .addToLabels("app.kubernetes.io/component", "keys")
                                .endMetadata()
                                .withType("Opaque")
                                .withData(encoded(made))
                                .build())
                        .create();
                return List.copyOf(made.keySet());
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static Map<String, String> decoded(Map<String, String> data) {
        Map<String, String> text = new LinkedHashMap<>();
        if (data != null) {
            data.forEach((key, value) ->
                    text.put(key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8)));
        }
        return text;
    }

    private static Map<String, String> encoded(Map<String, String> text) {
        Map<String, String> data = new LinkedHashMap<>();
        text.forEach((key, value) ->
                data.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        return data;
    }
}

package dev.rigfleet.coordinator;

import dev.rigfleet.common.testing.RigfleetTestResource;
import java.util.HashMap;
import java.util.Map;

/** The common test set-up, the registry stand-in, and the clouds' test keys. */
public class CoordinatorTestResource extends RigfleetTestResource {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        config.put("quarkus.rest-client.registry.url", RegistryStub.start());
        config.put(
                "rigfleet.coordinator.identity.aws-certificates",
                CloudTestKeys.file("aws.pem").toString());
        config.put(
                "rigfleet.coordinator.identity.google-certificates",
                CloudTestKeys.file("google.pem").toString());
        config.put("rigfleet.coordinator.identity.google-audience", "rigfleet");
        config.put(
                "rigfleet.coordinator.identity.azure-ca-certificates",
                CloudTestKeys.file("azure-ca.pem").toString());
        return config;
    }
}

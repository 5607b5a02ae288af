package dev.rigfleet.coordinator;

import dev.rigfleet.common.testing.RigfleetTestResource;
import java.util.HashMap;
import java.util.Map;

/** The common test set-up, and the registry stand-in. */
public class CoordinatorTestResource extends RigfleetTestResource {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        config.put("quarkus.rest-client.registry.url", RegistryStub.start());
        return config;
    }
}

package dev.rigfleet.instances;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records the {@code instance.status} events the tests' instances service published, by instance, as a subscriber
 * of the bus would see them. Subscribed at start-up, as the services' own subscribers are.
 */
@Singleton
public class InstanceStatusRecorder {

    private final Map<String, List<String>> seen = new ConcurrentHashMap<>();

    void subscribe(@Observes StartupEvent started, Bus bus) {
        bus.onEvent(
                Topics.INSTANCE_STATUS,
                changed -> seen.computeIfAbsent(changed.getInstanceId(), id -> new CopyOnWriteArrayList<>())
                        .add(changed.getStatus()));
    }

    public List<String> of(String instanceId) {
        return List.copyOf(seen.getOrDefault(instanceId, List.of()));
    }
}

package dev.rigfleet.registry.service;

import dev.rigfleet.registry.model.EnvVar;
import dev.rigfleet.registry.repository.EnvVarRepository;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Environment variables of a fleet or a device, patched as JSON merge patches: a null value removes one. */
final class Environments {

    /** The variables after a patch, and whether the patch changed anything. */
    record Applied(Map<String, String> now, boolean changed) {}

    private Environments() {}

    static Map<String, String> asMap(List<EnvVar> variables) {
        Map<String, String> map = new TreeMap<>();
        variables.forEach(variable -> map.put(variable.name, variable.value));
        return map;
    }

    /** Applies the patch within the caller's transaction: at most one statement for removals, one for the rest. */
    static Uni<Applied> apply(
            EnvVarRepository repository,
            EnvVarRepository.Scope scope,
            long id,
            List<EnvVar> current,
            Map<String, String> patch) {
        Map<String, String> now = asMap(current);
        Map<String, String> set = new TreeMap<>();
        List<String> removed = new ArrayList<>();
        patch.forEach((name, value) -> {
            if (value == null) {
                if (now.remove(name) != null) {
                    removed.add(name);
                }
            } else if (!value.equals(now.get(name))) {
                set.put(name, value);
                now.put(name, value);
            }
        });
        Uni<Void> work = Uni.createFrom().voidItem();
        if (!removed.isEmpty()) {
            work = work.call(() -> repository.remove(scope, id, removed));
        }
        if (!set.isEmpty()) {
            work = work.call(() -> repository.set(scope, id, set));
        }
        boolean changed = !removed.isEmpty() || !set.isEmpty();
        return work.map(ignored -> new Applied(now, changed));
    }
}

package dev.rigfleet.registry.service;

import dev.rigfleet.registry.model.EnvVar;
import dev.rigfleet.registry.repository.EnvVarRepository;
import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Environment variables of a fleet or a device, patched as JSON merge patches: a null value removes one. */
final class Environments {

    /** The variables after a patch, and whether the patch changed anything. */
    record Applied(List<EnvVar> now, boolean changed) {}

    private Environments() {}

    static Map<String, String> asMap(List<EnvVar> variables) {
        Map<String, String> map = new TreeMap<>();
        variables.forEach(variable -> map.put(variable.name, variable.value));
        return map;
    }

    /** Applies the patch within the caller's transaction; {@code scope} sets the new variable's fleet or device. */
    static Uni<Applied> apply(
            EnvVarRepository repository, List<EnvVar> current, Map<String, String> patch, Consumer<EnvVar> scope) {
        Map<String, EnvVar> byName = new TreeMap<>();
        current.forEach(variable -> byName.put(variable.name, variable));
        Uni<Void> work = Uni.createFrom().voidItem();
        boolean changed = false;
        for (Map.Entry<String, String> entry : patch.entrySet()) {
            EnvVar existing = byName.get(entry.getKey());
            if (entry.getValue() == null) {
                if (existing != null) {
                    byName.remove(entry.getKey());
                    work = work.chain(() -> repository.delete(existing));
                    changed = true;
                }
            } else if (existing == null) {
                EnvVar created = new EnvVar();
                scope.accept(created);
                created.name = entry.getKey();
                created.value = entry.getValue();
                byName.put(created.name, created);
                work = work.chain(() -> repository.persist(created)).replaceWithVoid();
                changed = true;
            } else if (!existing.value.equals(entry.getValue())) {
                existing.value = entry.getValue();
                changed = true;
            }
        }
        boolean anyChange = changed;
        return work.map(ignored -> new Applied(new ArrayList<>(byName.values()), anyChange));
    }
}

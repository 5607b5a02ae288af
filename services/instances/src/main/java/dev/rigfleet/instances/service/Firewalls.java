package dev.rigfleet.instances.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.instances.model.FirewallRule;
import dev.rigfleet.instances.model.Instance;
import dev.rigfleet.instances.model.Instance.Status;
import dev.rigfleet.instances.model.Requester;
import dev.rigfleet.instances.repository.InstanceRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An instance's firewall: the chain is stored here and enforced by its tunnel. A change is stored and set at the
 * tunnel in one transaction, with the instance's row locked, so that changes reach the tunnel in the order they were
 * stored and a change the tunnel did not take is not stored.
 */
@ApplicationScoped
public class Firewalls {

    private final Pool pool;
    private final Instances lifecycle;
    private final InstanceRepository instances;
    private final InstanceDevices devices;

    public Firewalls(Pool pool, Instances lifecycle, InstanceRepository instances, InstanceDevices devices) {
        this.pool = pool;
        this.lifecycle = lifecycle;
        this.instances = instances;
        this.devices = devices;
    }

    /** The chain; null while it does not exist (before READY). */
    public Uni<List<FirewallRule>> rules(Requester requester, UUID id) {
        return lifecycle.visible(requester, id).map(found -> {
            active(found);
            return found.status() == Status.READY ? found.firewall() : null;
        });
    }

    public Uni<List<FirewallRule>> append(Requester requester, UUID id, FirewallRule rule) {
        return change(requester, id, chain -> {
            List<FirewallRule> longer = new ArrayList<>(chain);
            longer.add(rule);
            return longer;
        });
    }

    /** Empties the chain: everything is dropped, connections already relayed included. */
    public Uni<List<FirewallRule>> clear(Requester requester, UUID id) {
        return change(requester, id, chain -> List.of());
    }

    private Uni<List<FirewallRule>> change(
            Requester requester, UUID id, java.util.function.UnaryOperator<List<FirewallRule>> edit) {
        return lifecycle
                .visible(requester, id)
                .chain(seen -> pool.withTransaction(tx -> instances.lock(tx, id).chain(found -> {
                    active(found);
                    if (found.status() != Status.READY) {
                        throw ApiException.resultMessage(
                                400, "bad_request", "the firewall exists once the instance is READY; try again then");
                    }
                    List<FirewallRule> changed = edit.apply(found.firewall());
                    return instances
                            .setFirewall(tx, id, changed)
                            .chain(() -> devices.setFirewall(found, changed)
                                    .onFailure()
                                    .transform(e -> ApiException.unavailable(
                                            "the instance's tunnel is not reachable now; try again"))
                                    .map(set -> {
                                        if (!set) {
                                            throw ApiException.unavailable(
                                                    "the instance's tunnel is not reachable now; try again");
                                        }
                                        return changed;
                                    }));
                })));
    }

    /** The reference's answer for an instance that has ended. */
    private static void active(Instance found) {
        if (!found.status().live()) {
            throw ApiException.resultMessage(400, "bad_request", "instance not active");
        }
    }
}

package dev.rigfleet.instances.service;

import dev.rigfleet.instances.client.Agents;
import dev.rigfleet.instances.client.Tunnels;
import dev.rigfleet.instances.client.Workspaces;
import dev.rigfleet.instances.cluster.InstanceObjects;
import dev.rigfleet.instances.model.FirewallRule;
import dev.rigfleet.instances.model.Instance;
import dev.rigfleet.instances.repository.InstanceRepository;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The device's side of an instance: the agent makes it (an SSH server for the instance's keys) and the coordinator
 * opens its {@code fwd} tunnel, whose firewall starts open to everyone, which in a cluster gets its Service
 * ({@link InstanceObjects}); then it is READY. Ending it closes the tunnel, deletes its objects and has the agent stop
 * it.
 */
@ApplicationScoped
public class InstanceDevices {

    /** The chain an instance starts with: everyone may connect, until its user narrows it. */
    static final List<FirewallRule> OPEN = List.of(new FirewallRule("0.0.0.0/0", "ACCEPT"));

    private final Workspaces workspaces;
    private final Agents agents;
    private final Tunnels tunnels;
    private final InstanceRepository instances;
    private final InstanceObjects objects;

    public InstanceDevices(
            Workspaces workspaces,
            Agents agents,
            Tunnels tunnels,
            InstanceRepository instances,
            InstanceObjects objects) {
        this.workspaces = workspaces;
        this.agents = agents;
        this.tunnels = tunnels;
        this.instances = instances;
        this.objects = objects;
    }

    /**
     * Makes the INIT instance real and READY, on its VPN when given the instance's own client configuration; null
     * when it left INIT meanwhile (what was made is undone). A failure carries the reason for INIT_FAIL.
     */
    public Uni<Instance> prepare(Instance instance, Optional<String> vpnClient) {
        return workspaces
                .hostOf(instance.id())
                .chain(host -> agents.start(host, instance.id().toString(), List.of(instance.publicKey()), vpnClient)
                        .chain(running -> tunnels.open(host, instance.id().toString(), running.port(), OPEN)
                                .onFailure()
                                .call(() -> agents.stop(host, instance.id().toString()))
                                .chain(tunnel -> objects.expose(instance.id(), tunnel)
                                        .onFailure()
                                        .call(() -> objects.remove(instance.id())
                                                .chain(() -> tunnels.close(tunnel.url()))
                                                .chain(() -> agents.stop(
                                                        host, instance.id().toString())))
                                        .map(fwd -> Map.entry(tunnel, fwd)))
                                .chain(exposed -> instances
                                        .ready(
                                                instance.id(),
                                                host,
                                                exposed.getValue().host(),
                                                exposed.getValue().port(),
                                                running.hostkeys(),
                                                exposed.getKey().url(),
                                                OPEN)
                                        .call(ready -> {
                                            if (ready != null) {
                                                Log.infof(
                                                        "Instance %s READY: fwd %s:%d reaches port %d of device %s",
                                                        instance.id(),
                                                        ready.fwdIpv4(),
                                                        ready.fwdPort(),
                                                        running.port(),
                                                        host);
                                                return Uni.createFrom().voidItem();
                                            }
                                            // It failed or ended while the device made it: undo what was made.
                                            return objects.remove(instance.id())
                                                    .chain(() -> tunnels.close(
                                                            exposed.getKey().url()))
                                                    .chain(() -> agents.stop(
                                                            host, instance.id().toString()));
                                        }))));
    }

    /** Closes the tunnel and has the agent end the instance; fails when the agent could not be told. */
    public Uni<Void> cleanUp(Instance instance) {
        Uni<Void> tunnel =
                instance.tunnelUrl() == null ? Uni.createFrom().voidItem() : tunnels.close(instance.tunnelUrl());
        return tunnel.chain(() -> objects.remove(instance.id()))
                .chain(() -> instance.hostDevice() == null
                        ? workspaces
                                .hostOf(instance.id())
                                .chain(host -> agents.stop(host, instance.id().toString()))
                        : agents.stop(instance.hostDevice(), instance.id().toString()));
    }

    /** The ids of the instances the device's agent runs now. */
    public Uni<List<String>> running(String device) {
        return agents.list(device);
    }

    /**
     * Sets the chain at the tunnel, where it decides (false when the tunnel is gone), then on the device, where the
     * agent's runtime can apply it too; the device's failure is logged, not the user's: the tunnel holds.
     */
    public Uni<Boolean> setFirewall(Instance instance, List<FirewallRule> rules) {
        return tunnels.setFirewall(instance.tunnelUrl(), rules)
                .call(set -> agents.applyFirewall(
                                instance.hostDevice(), instance.id().toString(), rules)
                        .onFailure()
                        .invoke(e -> Log.warnf(
                                "Instance %s: the device did not apply the new firewall chain (%s); the tunnel enforces it",
                                instance.id(), e.getMessage()))
                        .onFailure()
                        .recoverWithNull());
    }
}

package dev.rigfleet.instances.vpn;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.common.crypto.Sealer;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.net.Ipv4Block;
import dev.rigfleet.instances.cluster.ClusterConfig;
import dev.rigfleet.instances.config.InstancesConfig;
import dev.rigfleet.instances.model.Instance;
import dev.rigfleet.instances.vpn.VpnRepository.Client;
import dev.rigfleet.instances.vpn.VpnRepository.Vpn;
import dev.rigfleet.proto.bus.VpnChanged;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Instances' VPNs: made while the instance is INIT (its authority, server certificate, the instance's own client
 * and the server on this replica), client credentials handed out and revoked, and everything stopped and revoked
 * when the instance ends.
 */
@ApplicationScoped
public class Vpns {

    /** Longer than any instance lives: an expired CRL or CA would lock every client out. */
    static final Duration VALIDITY = Duration.ofDays(3650);

    private static final int ATTEMPTS = 5;

    private final VpnRepository vpns;
    private final VpnConfig config;
    private final VpnServers servers;
    private final Vertx vertx;
    private final Sealer sealer;
    private final Bus bus;
    private final String publicAddress;

    public Vpns(
            VpnRepository vpns,
            VpnConfig config,
            ClusterConfig cluster,
            LocalVpnServers local,
            VpnWorkloads workloads,
            InstancesConfig instances,
            Vertx vertx,
            Bus bus) {
        this.vpns = vpns;
        this.config = config;
        this.servers = cluster.enabled() ? workloads : local;
        this.vertx = vertx;
        this.bus = bus;
        this.sealer = new Sealer(instances.secretsKey(), "rigfleet.instances.secrets-key");
        this.publicAddress = config.address().or(instances::fwdAddress).orElse("127.0.0.1");
    }

    void subscribe(@Observes StartupEvent started) {
        if (servers instanceof LocalVpnServers local) {
            local.check();
        }
        bus.onEvent(Topics.VPN_CHANGED, changed -> {
            UUID instanceId = UUID.fromString(changed.getInstanceId());
            if (servers.runsHere(instanceId)) {
                reconcile(instanceId)
                        .subscribe()
                        .with(
                                done -> {},
                                e -> Log.warnf(
                                        "Instance %s: could not apply a change to its VPN (%s); the sweep tries again",
                                        instanceId, e.getMessage()));
            }
        });
        // What was announced while this replica was away from the bus is applied by its next sweep.
        bus.onConnected(() -> sweep().subscribe().with(done -> {}, e -> {}));
    }

    /** Why {@code vpn: true} cannot be served here, or empty. */
    public Optional<String> unavailable() {
        return servers.unavailable();
    }

    /**
     * Makes the instance's VPN and starts its server here; the instance's own client configuration, which goes to its
     * device once and is kept nowhere here. Fails with the reason when it cannot.
     */
    public Uni<String> prepare(Instance instance) {
        String id = instance.id().toString();
        return vertx.executeBlocking(() -> {
                    VpnPki pki = VpnPki.create(id, VALIDITY);
                    return new Made(pki, pki.server(OpenVpnFiles.serverName(id), VALIDITY), OpenVpnFiles.staticKey());
                })
                .chain(made -> claim(instance.id(), made, 1).chain(vpn -> start(vpn, made)))
                .invoke(ready -> Log.infof("Instance %s: its VPN is ready", id));
    }

    private record Made(VpnPki pki, VpnPki.Issued server, String staticKey) {}

    /** A free network and place, stored with the authority; tried again on another when two replicas raced. */
    private Uni<Vpn> claim(UUID instanceId, Made made, int attempt) {
        return vpns.liveNetworks()
                .chain(networks -> servers.place(instanceId, attempt).chain(place -> {
                    Vpn vpn = new Vpn(
                            instanceId,
                            VpnRepository.PREPARING,
                            freeNetwork(networks, attempt).toString(),
                            place.replica(),
                            place.port(),
                            made.pki().caCertificate(),
                            sealer.seal(made.pki().caKey()),
                            sealer.seal(made.staticKey()),
                            1,
                            null);
                    return vpns.insert(vpn).chain(stored -> {
                        if (stored) {
                            return Uni.createFrom().item(vpn);
                        }
                        if (attempt >= ATTEMPTS) {
                            return Uni.createFrom().failure(new IllegalStateException("no free VPN network or port"));
                        }
                        return claim(instanceId, made, attempt + 1);
                    });
                }));
    }

    /** Starts the server, stores where clients reach it, and answers the instance's own client configuration. */
    private Uni<String> start(Vpn vpn, Made made) {
        return vertx.executeBlocking(() -> made.pki().client(OpenVpnFiles.INSTANCE_CLIENT, VALIDITY))
                .call(own -> vpns.insertClient(new Client(
                        UUID.randomUUID(), vpn.instanceId(), OpenVpnFiles.INSTANCE_CLIENT, own.serial(), null)))
                .chain(own -> vertx.executeBlocking(() -> servers.start(
                                vpn,
                                new VpnServers.ServerFiles(
                                        made.pki().caCertificate(),
                                        made.server(),
                                        made.staticKey(),
                                        made.pki()
                                                .crl(
                                                        List.of(),
                                                        vpn.crlNumber(),
                                                        Instant.now().plus(VALIDITY)))))
                        .call(remote -> vpns.ready(vpn.instanceId(), remote))
                        .map(remote -> OpenVpnFiles.client(
                                vpn.instanceId().toString(),
                                remote.host(),
                                remote.port(),
                                made.pki().caCertificate(),
                                own,
                                made.staticKey())));
    }

    /** Where clients connect: as stored when the server started (rows from before that was stored: this replica's address). */
    private VpnServers.Remote remote(Vpn vpn) {
        return vpn.remote() != null ? vpn.remote() : new VpnServers.Remote(publicAddress, vpn.port());
    }

    /** {@code GET /vpn/:id}: {@code {"status": "nil"}} without a VPN, else its status, clients and addresses. */
    public Uni<Map<String, Object>> view(Instance instance) {
        if (!instance.vpn()) {
            return Uni.createFrom().item(Map.of("status", "nil"));
        }
        return vpns.find(instance.id()).chain(vpn -> {
            if (vpn == null) {
                return Uni.createFrom()
                        .item(Map.<String, Object>of("status", VpnRepository.PREPARING, "clients", List.of()));
            }
            if (VpnRepository.ENDED.equals(vpn.status())) {
                return Uni.createFrom().item(Map.<String, Object>of("status", "nil"));
            }
            return vpns.clients(instance.id()).map(clients -> {
                Map<String, Object> view = new LinkedHashMap<>();
                view.put("status", vpn.status());
                view.put(
                        "clients",
                        clients.stream()
                                .filter(client -> client.revokedAt() == null)
                                .map(client -> client.id().toString())
                                .toList());
                view.put("network", vpn.network());
                view.put("server_address", network(vpn).server());
                view.put("instance_address", network(vpn).instance());
                return view;
            });
        });
    }

    /** {@code POST /vpn/:id}: a new client's credentials as a complete .ovpn. */
    public Uni<Map<String, Object>> newClient(Instance instance) {
        if (!instance.status().live() || instance.status() == Instance.Status.TERMINATING) {
            throw ApiException.resultMessage(400, "bad_request", "instance not active");
        }
        if (!instance.vpn()) {
            throw ApiException.resultMessage(400, "bad_request", "this instance has no VPN");
        }
        return vpns.find(instance.id()).chain(vpn -> {
            if (vpn == null || !VpnRepository.READY.equals(vpn.status())) {
                throw ApiException.resultMessage(503, "unavailable", "This instance is busy. Try again later.");
            }
            UUID clientId = UUID.randomUUID();
            return vertx.executeBlocking(() -> VpnPki.load(vpn.caCertificate(), sealer.open(vpn.sealedCaKey()))
                            .client(clientId.toString(), VALIDITY))
                    .chain(issued -> vpns.insertClient(
                                    new Client(clientId, instance.id(), clientId.toString(), issued.serial(), null))
                            .map(stored -> Map.<String, Object>of(
                                    "client_id",
                                    clientId.toString(),
                                    "ovpn",
                                    OpenVpnFiles.client(
                                            instance.id().toString(),
                                            remote(vpn).host(),
                                            remote(vpn).port(),
                                            vpn.caCertificate(),
                                            issued,
                                            sealer.open(vpn.sealedStaticKey())))));
        });
    }

    /** {@code DELETE /vpn/:id/client/:client_id}: refused from the next handshake, its live session dropped now. */
    public Uni<Void> revoke(Instance instance, UUID clientId) {
        return vpns.clients(instance.id()).chain(clients -> {
            Client client = clients.stream()
                    .filter(c -> c.id().equals(clientId) && c.revokedAt() == null)
                    .findFirst()
                    .orElseThrow(() -> ApiException.resultMessage(404, "not_found", "client not found"));
            return vpns.revoke(instance.id(), clientId)
                    .chain(number -> enforce(instance.id(), List.of(client)))
                    .call(() -> announce(instance.id()));
        });
    }

    /** Stops the instance's VPN server and revokes every client; nothing when it had none or ended already. */
    public Uni<Void> end(UUID instanceId) {
        return vpns.find(instanceId).chain(vpn -> {
            if (vpn == null || VpnRepository.ENDED.equals(vpn.status())) {
                return Uni.createFrom().voidItem();
            }
            return vpns.revoke(instanceId, null)
                    .chain(() -> vpns.transition(instanceId, vpn.status(), VpnRepository.ENDED))
                    .chain(() -> vertx.executeBlocking(() -> {
                        servers.stop(instanceId);
                        return null;
                    }))
                    .invoke(() -> Log.infof("Instance %s: its VPN is stopped and every client revoked", instanceId))
                    .call(() -> announce(instanceId))
                    .replaceWithVoid();
        });
    }

    /** Tells the replica running the server, when it is another, at once; a lost message waits for its sweep. */
    private Uni<Void> announce(UUID instanceId) {
        return bus.publish(
                        Topics.VPN_CHANGED,
                        VpnChanged.newBuilder()
                                .setInstanceId(instanceId.toString())
                                .build())
                .onFailure()
                .recoverWithUni(e -> {
                    Log.warnf(
                            "Instance %s: could not announce a change to its VPN (%s); its server's replica applies"
                                    + " it at its next sweep",
                            instanceId, e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    /**
     * The server takes the stored CRL and drops the revoked clients' sessions, when this replica can reach it (a
     * workload in the cluster, or a process of its own). A revocation made on another replica reaches a process's
     * replica by {@code vpn.changed}, or at its next {@link #sweep}.
     */
    private Uni<Void> enforce(UUID instanceId, List<Client> revoked) {
        return vpns.find(instanceId)
                .chain(vpn -> vpns.clients(instanceId)
                        .chain(clients -> vertx.executeBlocking(() -> {
                            VpnPki pki = VpnPki.load(vpn.caCertificate(), sealer.open(vpn.sealedCaKey()));
                            servers.enforce(
                                    vpn,
                                    pki.crl(
                                            clients.stream()
                                                    .filter(client -> client.revokedAt() != null)
                                                    .map(client ->
                                                            new VpnPki.Revoked(client.serial(), client.revokedAt()))
                                                    .toList(),
                                            vpn.crlNumber(),
                                            Instant.now().plus(VALIDITY)),
                                    revoked.stream().map(Client::commonName).toList());
                            return null;
                        })))
                .replaceWithVoid();
    }

    /**
     * Brings this replica's servers in line with what is stored: a VPN ended elsewhere is stopped here, and a
     * revocation made elsewhere takes effect.
     */
    @Scheduled(
            every = "${rigfleet.instances.vpn.sweep-interval:30s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return vertx.executeBlocking(servers::running)
                .onItem()
                .transformToMulti(running -> Multi.createFrom().iterable(running))
                .onItem()
                .transformToUniAndConcatenate(this::reconcile)
                .onFailure()
                .invoke(e -> Log.warnf("The VPN sweep failed (%s); it runs again", e.getMessage()))
                .onFailure()
                .recoverWithCompletion()
                .collect()
                .asList()
                .replaceWithVoid();
    }

    /** The instance's server as stored: stopped when the VPN ended, else on the stored CRL. */
    private Uni<Void> reconcile(UUID instanceId) {
        return vpns.find(instanceId).chain(vpn -> {
            if (vpn == null || VpnRepository.ENDED.equals(vpn.status())) {
                return vertx.executeBlocking(() -> {
                    servers.stop(instanceId);
                    return null;
                });
            }
            return vertx.executeBlocking(() -> servers.appliedCrl(instanceId))
                    .chain(applied -> vpn.crlNumber() == applied.orElse(0L)
                            ? Uni.createFrom().voidItem()
                            : vpns.clients(instanceId)
                                    .chain(clients -> enforce(
                                            instanceId,
                                            clients.stream()
                                                    .filter(client -> client.revokedAt() != null)
                                                    .toList())));
        });
    }

    private Network freeNetwork(List<String> taken, int attempt) {
        Ipv4Block pool = Ipv4Block.parse(config.networks())
                .filter(block -> block.prefix() <= 24)
                .orElseThrow(() -> new IllegalStateException(
                        "rigfleet.instances.vpn.networks must be a CIDR block of /24 or larger"));
        Set<String> used = new HashSet<>(taken);
        long count = 1L << (24 - pool.prefix());
        int skipped = 0;
        for (long index = 0; index < count; index++) {
            Network candidate = new Network(new Ipv4Block((pool.address() & 0xFFFFFF00L) + (index << 8), 24));
            if (!used.contains(candidate.toString()) && ++skipped >= attempt) {
                return candidate;
            }
        }
        throw ApiException.unavailable("every VPN network of " + config.networks() + " is in use");
    }

    static Network network(Vpn vpn) {
        return new Network(Ipv4Block.parse(vpn.network()).orElseThrow());
    }
}

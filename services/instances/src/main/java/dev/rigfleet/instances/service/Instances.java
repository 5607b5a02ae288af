package dev.rigfleet.instances.service;

import dev.rigfleet.common.crypto.Sealer;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.instances.client.Agents;
import dev.rigfleet.instances.client.Workspaces;
import dev.rigfleet.instances.config.InstancesConfig;
import dev.rigfleet.instances.model.Instance;
import dev.rigfleet.instances.model.Instance.Status;
import dev.rigfleet.instances.model.Requester;
import dev.rigfleet.instances.repository.InstanceRepository;
import dev.rigfleet.instances.vpn.Vpns;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * The instance lifecycle: made from an allocation (or a promoted reservation), with the key pair made for a user who
 * brought none, made real on the device ({@link InstanceDevices}: INIT to READY or INIT_FAIL), and ended by its user,
 * its deployment's owner, a time-out or its agent's restart: TERMINATING while the device cleans up, then TERMINATED;
 * its deployment is released when it ends. docs/architecture.md ("Instances") has the state machine.
 */
@ApplicationScoped
public class Instances {

    static final String NOT_FOUND = "instance not found";

    private final Pool pool;
    private final InstanceRepository instances;
    private final Workspaces workspaces;
    private final SshKeys keys;
    private final Sealer sealer;
    private final InstancesConfig config;
    private final InstanceDevices devices;
    private final StatusAnnouncements announcements;
    private final Vpns vpns;

    public Instances(
            Pool pool,
            InstanceRepository instances,
            Workspaces workspaces,
            SshKeys keys,
            InstancesConfig config,
            InstanceDevices devices,
            StatusAnnouncements announcements,
            Vpns vpns) {
        this.pool = pool;
        this.instances = instances;
        this.workspaces = workspaces;
        this.keys = keys;
        this.config = config;
        this.devices = devices;
        this.announcements = announcements;
        this.vpns = vpns;
        this.sealer = new Sealer(config.secretsKey(), "rigfleet.instances.secrets-key");
    }

    /**
     * {@code POST /new}: {@code {success: true, id, sshkey?}} when a deployment was free, {@code {success: false,
     * id}} when the user was queued; a refusal of the workspaces service fails as {@link Workspaces.Refused}.
     */
    public Uni<Map<String, Object>> create(Requester requester, String type, UUID deployment, NewInstance ask) {
        if (ask.vpn()) {
            vpns.unavailable().ifPresent(reason -> {
                throw ApiException.resultMessage(
                        503, "unavailable", "this platform cannot make a VPN now (" + reason + "); ask without vpn");
            });
        }
        if (ask.sshkey() != null) {
            checkPublicKey(ask.sshkey());
        }
        return instances
                .countLive(requester.id())
                .chain(live -> {
                    if (live >= config.maxInstances()) {
                        throw overLimit(live);
                    }
                    return workspaces.allocate(allocation(requester, type, deployment, ask));
                })
                .chain(answer -> "allocated".equals(answer.get("outcome"))
                        ? make(
                                requester,
                                UUID.fromString((String) answer.get("id")),
                                UUID.fromString((String) answer.get("deployment")),
                                ask)
                        : Uni.createFrom().item(Map.of("success", false, "id", answer.get("id"))));
    }

    private Uni<Map<String, Object>> make(Requester requester, UUID id, UUID deploymentId, NewInstance ask) {
        Uni<SshKeys.Pair> pair = keyPair(id, ask.sshkey());
        return pair.chain(keyPair -> workspaces.deployment(deploymentId).chain(facts -> {
                    Instance instance = initial(
                            id, requester.id(), requester.username(), deploymentId, facts, facts.type(), ask, keyPair);
                    // The limit again, under the user's lock: two requests at once may both have passed the first look.
                    return pool.withTransaction(tx -> instances
                                    .lockAndCountLive(tx, requester.id())
                                    .chain(live -> {
                                        if (live >= config.maxInstances()) {
                                            throw overLimit(live);
                                        }
                                        return instances.insert(tx, instance);
                                    }))
                            .invoke(stored -> prepare(instance))
                            .map(stored -> {
                                Map<String, Object> answer = new LinkedHashMap<>();
                                answer.put("success", true);
                                answer.put("id", id.toString());
                                if (keyPair.privateKey() != null) {
                                    answer.put("sshkey", keyPair.privateKey());
                                }
                                return answer;
                            });
                }))
                // Whatever failed after the allocation, the deployment goes back.
                .onFailure()
                .call(() -> workspaces.release(id));
    }

    /** The user's own public key, or a pair made for them. */
    private Uni<SshKeys.Pair> keyPair(UUID id, String usersKey) {
        return usersKey != null
                ? Uni.createFrom().item(new SshKeys.Pair(usersKey, null))
                : keys.generate("rigfleet-instance-" + id);
    }

    /** A new instance, INIT from now, with the key pair (the private half sealed, when made here). */
    private Instance initial(
            UUID id,
            UUID userId,
            String username,
            UUID deploymentId,
            Workspaces.Deployment facts,
            String type,
            NewInstance options,
            SshKeys.Pair keyPair) {
        Instant now = Instant.now();
        return new Instance(
                id,
                userId,
                username,
                deploymentId,
                type,
                facts.region() == null ? "" : facts.region(),
                Status.INIT,
                null,
                now,
                null,
                options.expireD() == null ? null : now.plusSeconds(options.expireD()),
                options.keepalive(),
                keyPair.publicKey(),
                keyPair.privateKey() == null ? null : sealer.seal(keyPair.privateKey()),
                options.eurl(),
                null,
                null,
                List.of(),
                null,
                null,
                null,
                options.vpn());
    }

    /** The instance, if the requester may see it (its user, an admin); 404 otherwise. */
    public Uni<Instance> visible(Requester requester, UUID id) {
        return instances.find(id).map(found -> {
            if (found == null || !(requester.admin() || found.userId().equals(requester.id()))) {
                throw refusedNotFound();
            }
            return found;
        });
    }

    public Uni<List<Instance>> list(Requester requester, List<Status> statuses, boolean newestFirst) {
        return instances.list(requester.id(), statuses, newestFirst);
    }

    /** The private key made for the user; 404 when they brought their own, 400 once the instance has ended. */
    public Uni<String> privateKey(Requester requester, UUID id) {
        return visible(requester, id).map(found -> {
            if (!found.status().live()) {
                throw ApiException.badRequest(
                        "instance already " + found.status().name().toLowerCase());
            }
            if (found.sealedPrivateKey() == null) {
                throw ApiException.notFound("no secret SSH key available");
            }
            return sealer.open(found.sealedPrivateKey());
        });
    }

    /**
     * Ends the instance for good: its user, an admin, or the owner of its deployment (reason {@code terminated by
     * owner}). The reference's texts for an instance that cannot be terminated now.
     */
    public Uni<Instance> terminate(Requester requester, UUID id) {
        return instances
                .find(id)
                .chain(found -> found == null
                        ? Uni.createFrom().failure(refusedNotFound())
                        : mayTerminate(requester, found).map(reason -> {
                            if (reason == null) {
                                throw refusedNotFound();
                            }
                            return Map.entry(found, reason);
                        }))
                .chain(asked -> {
                    Instance found = asked.getKey();
                    switch (found.status()) {
                        case INIT, INIT_FAIL ->
                            throw ApiException.resultMessage(
                                    400,
                                    "bad_request",
                                    "cannot terminate instance that is "
                                            + found.status().name().toLowerCase());
                        case TERMINATING, TERMINATED ->
                            throw ApiException.resultMessage(
                                    400,
                                    "bad_request",
                                    "instance already " + found.status().name().toLowerCase());
                        default -> {}
                    }
                    return end(found.id(), List.of(Status.READY), asked.getValue())
                            .map(ended -> {
                                if (ended == null) {
                                    throw ApiException.resultMessage(400, "bad_request", "instance already terminated");
                                }
                                return ended;
                            });
                });
    }

    /**
     * Ends the instance from one of {@code from}: INIT_FAIL from INIT alone, else TERMINATING while the device cleans
     * up, then TERMINATED. Its deployment is released once it ended. Null when it had left those states already.
     */
    public Uni<Instance> end(UUID id, List<Status> from, String reason) {
        Status to = from.equals(List.of(Status.INIT)) ? Status.INIT_FAIL : Status.TERMINATING;
        return instances.transition(id, from, to, reason).call(ended -> {
            if (ended == null) {
                return Uni.createFrom().voidItem();
            }
            Log.infof("Instance %s on deployment %s is %s: %s", id, ended.deploymentId(), to, reason);
            return announcements
                    .tell(ended)
                    .invoke(() -> finish(ended)
                            .subscribe()
                            .with(done -> {}, e -> Log.warnf("Instance %s: %s", id, e.getMessage())));
        });
    }

    /**
     * The device's clean-up, then TERMINATED and the deployment released. A device that cannot be told leaves the
     * instance TERMINATING, which the sweeper forces TERMINATED after the bound.
     */
    private Uni<Void> finish(Instance ended) {
        Uni<Void> cleanUp = vpns.end(ended.id())
                .onFailure()
                .invoke(e ->
                        Log.warnf("Instance %s: its VPN could not be stopped here (%s)", ended.id(), e.getMessage()))
                .onFailure()
                .recoverWithNull()
                .chain(() -> devices.cleanUp(ended));
        if (ended.status() == Status.INIT_FAIL) {
            // Nothing usable was made: free the deployment whether or not the device answers.
            cleanUp = cleanUp.onFailure().recoverWithNull();
        }
        return cleanUp.chain(() -> ended.status() == Status.TERMINATING
                        ? instances.transition(
                                ended.id(), List.of(Status.TERMINATING), Status.TERMINATED, ended.statusReason())
                        : Uni.createFrom().item(ended))
                .chain(done -> done == null ? Uni.createFrom().voidItem() : release(done));
    }

    /** Forces a TERMINATING instance whose device never confirmed TERMINATED and frees its deployment. */
    public Uni<Void> forceTerminated(UUID id) {
        return instances
                .find(id)
                .chain(found -> found == null || found.status() != Status.TERMINATING
                        ? Uni.createFrom().nullItem()
                        : instances.transition(
                                id,
                                List.of(Status.TERMINATING),
                                Status.TERMINATED,
                                found.statusReason() + "; the device did not confirm the end within "
                                        + config.terminateTimeout().toSeconds() + " s"))
                .chain(done -> {
                    if (done == null) {
                        return Uni.createFrom().voidItem();
                    }
                    Log.warnf(
                            "Instance %s forced TERMINATED: device %s never confirmed its end; its owner should check"
                                    + " the device",
                            id, done.hostDevice());
                    return announcements
                            .tell(done)
                            .chain(() -> workspaces.release(
                                    done.id(),
                                    "instance " + id + " was ended on " + done.endedAt()
                                            + " without its device confirming; it may still run there"));
                });
    }

    /** Frees the deployment of an instance that has ended, after telling its end (TERMINATED) if it is news. */
    private Uni<Void> release(Instance ended) {
        Uni<Void> told = ended.status() == Status.TERMINATED
                ? announcements.tell(ended)
                : Uni.createFrom().voidItem();
        return told.chain(() -> workspaces.release(ended.id()))
                .invoke(() -> Log.infof(
                        "Instance %s %s (%s); deployment %s released",
                        ended.id(), ended.status(), ended.statusReason(), ended.deploymentId()));
    }

    /**
     * Tells the new instance (INIT), makes its VPN if it asked for one, then has the device make it (joined to its
     * VPN with the instance's own client); a failure ends it INIT_FAIL with the reason.
     */
    private void prepare(Instance instance) {
        announcements
                .tell(instance)
                .chain(() -> instance.vpn()
                        ? vpns.prepare(instance)
                                .map(Optional::of)
                                .onFailure()
                                .transform(e ->
                                        new IllegalStateException("its VPN could not be made: " + e.getMessage(), e))
                        : Uni.createFrom().item(Optional.<String>empty()))
                .chain(vpnClient -> devices.prepare(instance, vpnClient))
                .call(ready -> ready == null ? Uni.createFrom().voidItem() : announcements.tell(ready))
                .onFailure()
                .recoverWithUni(
                        e -> end(instance.id(), List.of(Status.INIT), reason(e)).replaceWithNull())
                .subscribe()
                .with(ready -> {}, e -> Log.warnf("Instance %s: %s", instance.id(), e.getMessage()));
    }

    private static String reason(Throwable e) {
        return e instanceof Agents.AgentFailure ? e.getMessage() : "the instance could not be made: " + e.getMessage();
    }

    /**
     * The device's agent connected again: its READY instances that it no longer runs (it restarted, and its
     * runtime does not keep instances across restarts) end with reason {@code agent restarted}.
     */
    public Uni<Void> agentReconnected(String device) {
        return instances
                .readyOn(device)
                .chain(ready -> ready.isEmpty()
                        ? Uni.createFrom().voidItem()
                        : devices.running(device)
                                .chain(running -> Multi.createFrom()
                                        .iterable(ready)
                                        .filter(instance ->
                                                !running.contains(instance.id().toString()))
                                        .onItem()
                                        .transformToUniAndConcatenate(
                                                gone -> end(gone.id(), List.of(Status.READY), "agent restarted"))
                                        .collect()
                                        .last()
                                        .replaceWithVoid()));
    }

    /**
     * Makes the instance of a promoted reservation (id = the reservation's), with the options it stored; a key pair
     * when the user gave no key, which they fetch with {@code GET /instance/:id/sshkey}. Seen twice, made once.
     */
    public Uni<Void> fromPromotion(
            UUID id, UUID userId, String username, UUID deploymentId, String type, NewInstance options) {
        Uni<SshKeys.Pair> pair = keyPair(id, options.sshkey());
        return pair.chain(keyPair -> workspaces.deployment(deploymentId).chain(facts -> {
                    Instance instance = initial(id, userId, username, deploymentId, facts, type, options, keyPair);
                    return instances.insert(pool, instance).invoke(made -> {
                        if (made) {
                            prepare(instance);
                        }
                    });
                }))
                .invoke(made -> Log.infof(
                        made ? "Made instance %s of a promoted reservation" : "Instance %s exists already", id))
                .replaceWithVoid();
    }

    public Uni<Void> keepAlive(Requester requester, UUID id) {
        return visible(requester, id)
                .chain(found -> instances.keepAlive(found.id(), Instant.now()))
                .map(renewed -> {
                    if (!renewed) {
                        throw ApiException.notFound("no keep-alive monitor for this instance");
                    }
                    return null;
                });
    }

    /** Its user or an admin: their own reason; the deployment's owner: theirs; anyone else: null. */
    private Uni<String> mayTerminate(Requester requester, Instance found) {
        if (found.userId().equals(requester.id()) || requester.admin()) {
            return Uni.createFrom().item("terminated by its user");
        }
        return workspaces
                .ownerOf(found.deploymentId(), requester.authorization())
                .map(owner -> requester.id().equals(owner) ? "terminated by owner" : null);
    }

    private Map<String, Object> allocation(Requester requester, String type, UUID deployment, NewInstance ask) {
        Map<String, Object> options = new HashMap<>();
        if (ask.sshkey() != null) {
            options.put("sshkey", ask.sshkey());
        }
        options.put("vpn", ask.vpn());
        if (ask.expireD() != null) {
            options.put("expire_d", ask.expireD());
        }
        options.put("keepalive", ask.keepalive());
        if (ask.eurl() != null) {
            options.put("eurl", ask.eurl());
        }
        Map<String, Object> request = new HashMap<>();
        request.put("user", requester.id().toString());
        request.put("username", requester.username());
        request.put("admin", requester.admin());
        if (type != null) {
            request.put("type", type);
        } else {
            request.put("deployment", deployment.toString());
        }
        request.put("reserve", ask.reserve());
        request.put("priority", ask.priority());
        if (ask.queueTimeout() != null) {
            request.put("queue_timeout", ask.queueTimeout());
        }
        request.put("options", options);
        return request;
    }

    private ApiException overLimit(long live) {
        return ApiException.resultMessage(
                400,
                "bad_request",
                "you have " + live + " live instances, the most allowed is " + config.maxInstances()
                        + "; terminate one first");
    }

    private static ApiException refusedNotFound() {
        return ApiException.resultMessage(404, "not_found", NOT_FOUND);
    }

    private static void checkPublicKey(String sshkey) {
        try {
            PublicKeyEntry.parsePublicKeyEntry(sshkey.strip()).resolvePublicKey(null, null, null);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw NewInstance.refused("value for option `sshkey` is not an SSH public key");
        }
    }
}

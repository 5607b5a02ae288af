package dev.rigfleet.workspaces.declared;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.leader.Leadership;
import dev.rigfleet.workspaces.model.Deployment;
import dev.rigfleet.workspaces.model.Requester;
import dev.rigfleet.workspaces.model.Scopes;
import dev.rigfleet.workspaces.model.User;
import dev.rigfleet.workspaces.repository.DeploymentRepository;
import dev.rigfleet.workspaces.repository.HoldingRepository;
import dev.rigfleet.workspaces.repository.UserRepository;
import dev.rigfleet.workspaces.service.DeploymentPresence;
import dev.rigfleet.workspaces.service.Deployments;
import dev.rigfleet.workspaces.service.TokenService;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Keeps the deployments declared as WorkspaceDeployment resources in line with them, on the replica that {@link
 * Leadership leads}: a new resource makes its deployment (through {@link Deployments}, as the API does, with the
 * owner's rights: its devices must be the owner's), a changed one changes it (region, description, peripherals,
 * lockout; type and host cannot change), a deleted one retires it. An API-made deployment on the same host, of the
 * same type and owner, is adopted. The resource wins: what it declares is set again at every sync, so an API change
 * to those fields of a declared deployment lasts until then. Each resource's status tells its deployment's id,
 * whether it is online, its queue length, its holder, and a Ready condition with the reason when it could not be
 * synced.
 */
@ApplicationScoped
public class DeclaredDeployments {

    /** The resources' controller manages every declared deployment, as an admin would. */
    private static final Requester CONTROLLER = new Requester(new UUID(0, 0), "workspacedeployment-controller", true);
    /** Long enough for the registry checks of one change; revoked right after. */
    private static final long OWNER_TOKEN_SECONDS = 60;

    private final DeclaredConfig config;
    private final Instance<KubernetesClient> clients;
    private final Leadership leadership;
    private final Deployments deploymentService;
    private final DeploymentRepository deployments;
    private final HoldingRepository holdings;
    private final UserRepository users;
    private final TokenService tokens;
    private final DeploymentPresence presence;
    private final Vertx vertx;
    private final AtomicBoolean syncing = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile SharedIndexInformer<WorkspaceDeployment> informer;

    DeclaredDeployments(
            DeclaredConfig config,
            Instance<KubernetesClient> clients,
            Leadership leadership,
            Deployments deploymentService,
            DeploymentRepository deployments,
            HoldingRepository holdings,
            UserRepository users,
            TokenService tokens,
            DeploymentPresence presence,
            Vertx vertx) {
        this.config = config;
        this.clients = clients;
        this.leadership = leadership;
        this.deploymentService = deploymentService;
        this.deployments = deployments;
        this.holdings = holdings;
        this.users = users;
        this.tokens = tokens;
        this.presence = presence;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent started) {
        if (!config.enabled()) {
            return;
        }
        KubernetesClient client = clients.get();
        String namespace = config.namespace().orElseGet(client::getNamespace);
        informer = client.resources(WorkspaceDeployment.class)
                .inNamespace(namespace)
                .runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(WorkspaceDeployment added) {
                changed();
            }

            @Override
            public void onUpdate(WorkspaceDeployment before, WorkspaceDeployment after) {
                // Status writes (ours) and the informer's own resyncs change no generation.
                if (!Objects.equals(
                        before.getMetadata().getGeneration(),
                        after.getMetadata().getGeneration())) {
                    changed();
                }
            }

            @Override
            public void onDelete(WorkspaceDeployment deleted, boolean finalStateUnknown) {
                changed();
            }
        });
        informer.start().whenComplete((synced, failure) -> {
            if (failure == null) {
                Log.infof("Watching WorkspaceDeployment resources in namespace %s", namespace);
            } else {
                // The API stays up; declared deployments stay as they were until the service is restarted.
                Log.errorf(
                        "Cannot watch WorkspaceDeployment resources in namespace %s (is k8s/workspacedeployment-crd.yaml"
                                + " applied, and may this service list them?): %s",
                        namespace, failure.getMessage());
            }
        });
    }

    void stop(@Observes ShutdownEvent stopping) {
        if (informer != null) {
            informer.close();
        }
    }

    @Scheduled(
            every = "${rigfleet.workspaces.kubernetes.resync:30s}",
            delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> resync() {
        return config.enabled() && leadership.leads()
                ? syncAll()
                : Uni.createFrom().voidItem();
    }

    /** A resource was added, changed or deleted: the leader syncs now rather than at the next resync. */
    private void changed() {
        if (!leadership.leads()) {
            return;
        }
        try {
            VertxContextSupport.subscribeAndAwait(this::syncAll);
        } catch (Throwable e) {
            Log.warnf("Could not sync the declared deployments (%s); the next resync tries again", e.getMessage());
        }
    }

    /** Every resource in line, and the deployments of deleted resources retired; one run at a time. */
    Uni<Void> syncAll() {
        if (informer == null) {
            return Uni.createFrom().voidItem();
        }
        if (!syncing.compareAndSet(false, true)) {
            again.set(true);
            return Uni.createFrom().voidItem();
        }
        List<WorkspaceDeployment> declared = informer.getStore().list();
        Set<String> present = declared.stream().map(WorkspaceDeployment::key).collect(Collectors.toSet());
        return Multi.createFrom()
                .iterable(declared)
                .onItem()
                .transformToUniAndConcatenate(this::sync)
                .collect()
                .last()
                .chain(() -> deployments.declared())
                .onItem()
                .transformToMulti(all -> Multi.createFrom().iterable(all))
                .filter(gone -> !present.contains(gone.resource()))
                .onItem()
                .transformToUniAndConcatenate(gone -> {
                    Log.infof("WorkspaceDeployment %s is gone: retiring deployment %s", gone.resource(), gone.id());
                    return deploymentService.retire(CONTROLLER, gone.id()).replaceWithVoid();
                })
                .collect()
                .last()
                .replaceWithVoid()
                .eventually(() -> {
                    syncing.set(false);
                    return again.getAndSet(false) ? syncAll() : Uni.createFrom().voidItem();
                });
    }

    /** One resource in line; its status says how that went. Never fails: a failure is the resource's condition. */
    private Uni<Void> sync(WorkspaceDeployment resource) {
        return deployments
                .declaredBy(resource.key())
                .chain(id -> id == null ? declare(resource) : reconcile(resource, id))
                .chain(deployment -> report(resource, deployment, ready("InSync", "the deployment is as declared")))
                .onFailure()
                .recoverWithUni(e -> {
                    String why = e instanceof ApiException api ? api.getMessage() : e.toString();
                    return deployments
                            .declaredBy(resource.key())
                            .chain(id -> id == null ? Uni.createFrom().nullItem() : deployments.find(id))
                            .chain(deployment -> report(resource, deployment, notReady(why)));
                });
    }

    /** The resource's first sync: its deployment made, or an API-made one on its host adopted. */
    private Uni<Deployment> declare(WorkspaceDeployment resource) {
        WorkspaceDeployment.Spec spec = resource.getSpec();
        return owner(spec)
                .chain(owner -> adoptable(spec, owner).chain(adopted -> {
                    Uni<Deployment> made = adopted != null
                            ? Uni.createFrom().item(adopted)
                            : asOwner(
                                    owner,
                                    authorization -> deploymentService.create(
                                            requester(owner),
                                            authorization,
                                            new Deployments.Spec(
                                                    spec.type(),
                                                    spec.host(),
                                                    spec.peripheralsOrNone(),
                                                    spec.regionOrNone(),
                                                    spec.descriptionOrNone(),
                                                    null)));
                    return made.call(deployment -> deployments.setDeclaredBy(deployment.id(), resource.key()))
                            .invoke(deployment -> Log.infof(
                                    "WorkspaceDeployment %s declares deployment %s (%s)",
                                    resource.key(), deployment.id(), adopted != null ? "adopted" : "made"))
                            .chain(deployment -> reconcile(resource, deployment.id()));
                }));
    }

    /** What the resource declares, set on its deployment where it differs. */
    private Uni<Deployment> reconcile(WorkspaceDeployment resource, UUID id) {
        WorkspaceDeployment.Spec spec = resource.getSpec();
        return deployments.find(id).chain(deployment -> {
            if (!deployment.type().equals(spec.type())
                    || !deployment.hostDevice().equals(spec.host())) {
                throw ApiException.badRequest("type and host cannot change (declared " + spec.type() + " on "
                        + spec.host() + ", the deployment is " + deployment.type() + " on " + deployment.hostDevice()
                        + "): delete the resource and declare a new one");
            }
            boolean fieldsDiffer = !deployment.peripherals().equals(spec.peripheralsOrNone())
                    || !deployment.region().equals(spec.regionOrNone())
                    || !deployment.description().equals(spec.descriptionOrNone());
            Uni<Void> fields = !fieldsDiffer
                    ? Uni.createFrom().voidItem()
                    : owner(spec)
                            .chain(owner -> asOwner(
                                    owner,
                                    authorization -> deploymentService.update(
                                            requester(owner),
                                            authorization,
                                            id,
                                            new Deployments.Spec(
                                                    null,
                                                    null,
                                                    spec.peripheralsOrNone(),
                                                    spec.regionOrNone(),
                                                    spec.descriptionOrNone(),
                                                    null))))
                            .replaceWithVoid();
            Uni<Void> lockout = deployment.lockedOut() == spec.lockedOut()
                    ? Uni.createFrom().voidItem()
                    : deploymentService
                            .lockout(CONTROLLER, id, spec.lockedOut(), false)
                            .replaceWithVoid();
            return fields.chain(() -> lockout).chain(() -> deployments.find(id));
        });
    }

    private Uni<User> owner(WorkspaceDeployment.Spec spec) {
        return Panache.withSession(() -> users.findByUsername(spec.owner())).map(owner -> {
            if (owner == null) {
                throw ApiException.badRequest("no user " + spec.owner() + " (spec.owner)");
            }
            return owner;
        });
    }

    /** An API-made deployment in service on the host, of the declared type and owner; null when none. */
    private Uni<Deployment> adoptable(WorkspaceDeployment.Spec spec, User owner) {
        return deployments
                .inServiceOnHost(spec.host())
                .map(found -> found != null
                                && found.type().equals(spec.type())
                                && found.ownerId().equals(owner.id)
                        ? found
                        : null);
    }

    /** Runs {@code work} with a short token of the owner's (the registry decides whose devices are whose). */
    private <T> Uni<T> asOwner(User owner, Function<String, Uni<T>> work) {
        return tokens.issue(owner, Set.of(Scopes.USER), Set.of(Scopes.USER), OWNER_TOKEN_SECONDS)
                .chain(issued -> work.apply("Bearer " + issued.token())
                        .eventually(() -> tokens.revoke(owner.id, issued.sha256())
                                .onFailure()
                                .recoverWithNull()));
    }

    private static Requester requester(User owner) {
        return new Requester(owner.id, owner.username, false);
    }

    /** Writes the resource's status; {@code deployment} null when it has none (yet). */
    private Uni<Void> report(WorkspaceDeployment resource, Deployment deployment, Condition ready) {
        Uni<Boolean> online = deployment == null ? Uni.createFrom().item(false) : presence.online(deployment);
        Uni<String> holder = deployment == null || deployment.holdingId() == null
                ? Uni.createFrom().nullItem()
                : holdings.find(deployment.holdingId()).map(held -> held == null ? null : held.username());
        return Uni.combine().all().unis(online, holder).asTuple().chain(found -> {
            WorkspaceDeployment.Status before = resource.getStatus();
            Condition condition = keepTransitionTime(before, ready);
            WorkspaceDeployment.Status status = new WorkspaceDeployment.Status(
                    deployment == null ? null : deployment.id().toString(),
                    resource.getMetadata().getGeneration(),
                    found.getItem1(),
                    deployment == null ? 0 : deployment.queueLength(),
                    found.getItem2(),
                    List.of(condition));
            if (status.equals(before)) {
                return Uni.createFrom().voidItem();
            }
            if (condition == ready && "False".equals(ready.getStatus())) {
                // Once per change of reason, not at every resync.
                Log.warnf("WorkspaceDeployment %s is not in sync: %s", resource.key(), ready.getMessage());
            }
            return vertx.executeBlocking(() -> {
                WorkspaceDeployment patched = new WorkspaceDeployment();
                patched.setMetadata(resource.getMetadata());
                patched.setStatus(status);
                clients.get()
                        .resources(WorkspaceDeployment.class)
                        .inNamespace(resource.getMetadata().getNamespace())
                        .resource(patched)
                        .patchStatus();
                return null;
            });
        });
    }

    private static Condition ready(String reason, String message) {
        return condition("True", reason, message);
    }

    private static Condition notReady(String message) {
        return condition("False", "NotInSync", message);
    }

    private static Condition condition(String status, String reason, String message) {
        return new ConditionBuilder()
                .withType("Ready")
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withLastTransitionTime(Instant.now().toString())
                .build();
    }

    /** The condition's time is when its status last changed, not when it was last written. */
    private static Condition keepTransitionTime(WorkspaceDeployment.Status before, Condition now) {
        if (before == null || before.conditions() == null) {
            return now;
        }
        Map<String, Condition> previous =
                before.conditions().stream().collect(Collectors.toMap(Condition::getType, c -> c, (a, b) -> a));
        Condition last = previous.get(now.getType());
        if (last != null
                && Objects.equals(last.getStatus(), now.getStatus())
                && Objects.equals(last.getReason(), now.getReason())
                && Objects.equals(last.getMessage(), now.getMessage())) {
            return last;
        }
        return now;
    }
}

package dev.rigfleet.instances.cluster;

import dev.rigfleet.instances.client.Tunnels.Tunnel;
import dev.rigfleet.instances.config.InstancesConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.ServiceResource;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An instance's objects in the cluster: a parent ConfigMap {@code <prefix>-instance-<id>} that owns the rest (so
 * that deleting it lets Kubernetes collect whatever it owns), and the Service {@code <prefix>-fwd-<id>} that carries
 * the instance's {@code fwd} to the coordinator pod holding its tunnel (the tunnel listens on that pod's own port);
 * its VPN server's workload ({@code vpn.VpnWorkloads}) when it has one, in the VPN namespace, where a parent of the
 * same name owns it (an owner must be in its objects' namespace). Every object carries the installation's and the
 * instance's labels, by which they are deleted at the end and swept when their instance is gone. Outside a cluster
 * nothing is made and {@code fwd} is the tunnel's address.
 */
@ApplicationScoped
public class InstanceObjects {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGER = "rigfleet-instances";
    public static final String INSTALLATION = "rigfleet.dev/installation";
    public static final String INSTANCE = "rigfleet.dev/instance";
    /** The label the StatefulSet controller gives each of its pods: the one the fwd Service selects. */
    static final String POD_NAME = "statefulset.kubernetes.io/pod-name";

    private final ClusterConfig cluster;
    private final InstancesConfig config;
    private final Instance<KubernetesClient> clients;
    private final Vertx vertx;

    InstanceObjects(ClusterConfig cluster, InstancesConfig config, Instance<KubernetesClient> clients, Vertx vertx) {
        this.cluster = cluster;
        this.config = config;
        this.clients = clients;
        this.vertx = vertx;
    }

    /** Makes the instance reachable through its tunnel; answers where. */
    public Uni<Fwd> expose(UUID instance, Tunnel tunnel) {
        if (!cluster.enabled()) {
            return Uni.createFrom().item(new Fwd(config.fwdAddress().orElse(tunnel.host()), tunnel.port()));
        }
        return vertx.executeBlocking(() -> exposeInCluster(instance, tunnel));
    }

    /** Deletes the instance's objects; none there is fine. */
    public Uni<Void> remove(UUID instance) {
        if (!cluster.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return vertx.executeBlocking(() -> {
            delete(labels(instance));
            return null;
        });
    }

    /** Deletes the objects of instances not among {@code live}: left by a replica that died before it cleaned up. */
    public Uni<Void> sweepOrphans(Collection<UUID> live) {
        if (!cluster.enabled()) {
            return Uni.createFrom().voidItem();
        }
        Set<String> keep = live.stream().map(UUID::toString).collect(Collectors.toSet());
        return vertx.executeBlocking(() -> {
            Set<String> orphans = objects(installation()).stream()
                    .map(object -> object.getMetadata().getLabels().get(INSTANCE))
                    .filter(id -> id != null && !keep.contains(id))
                    .collect(Collectors.toSet());
            for (String orphan : orphans) {
                Log.infof("Deleting the cluster objects of instance %s, which is no longer live", orphan);
                delete(labels(UUID.fromString(orphan)));
            }
            return null;
        });
    }

    private Fwd exposeInCluster(UUID instance, Tunnel tunnel) {
        if (tunnel.pod() == null) {
            throw new IllegalStateException(
                    "the coordinator did not name the pod that holds the tunnel (set rigfleet.coordinator.pod-name)");
        }
        ConfigMap parent = parentIn(namespace(), instance);
        String name = name("fwd", instance);
        createOrGet(services()
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withLabels(labels(instance))
                        .withOwnerReferences(ownedBy(parent))
                        .endMetadata()
                        .withNewSpec()
                        .withType(serviceType())
                        .withSelector(Map.of(POD_NAME, tunnel.pod()))
                        .addNewPort()
                        .withName("ssh")
                        .withProtocol("TCP")
                        // Behind a load balancer users connect to 22; a node port is Kubernetes' to choose.
                        .withPort(loadBalancers() ? 22 : tunnel.port())
                        .withTargetPort(new IntOrString(tunnel.port()))
                        .endPort()
                        .endSpec()
                        .build()));
        return addressOf(namespace(), name);
    }

    /**
     * Where users reach the Service, once Kubernetes has given it a node port or the cloud a load balancer
     * address; the instance fails when neither comes within {@code address-timeout}.
     */
    public Fwd addressOf(String namespace, String name) {
        try {
            Service ready = clients.get()
                    .services()
                    .inNamespace(namespace)
                    .withName(name)
                    .waitUntilCondition(
                            service -> Fwd.of(service, config.fwdAddress()).isPresent(),
                            cluster.addressTimeout().toMillis(),
                            TimeUnit.MILLISECONDS);
            return Fwd.of(ready, config.fwdAddress()).orElseThrow();
        } catch (KubernetesClientTimeoutException e) {
            throw new IllegalStateException("its Service " + name + " got no "
                    + (loadBalancers() ? "load balancer address" : "node port") + " within "
                    + cluster.addressTimeout().toSeconds() + " s");
        }
    }

    /** Whether users reach instances' Services through load balancers (else through node ports). */
    public boolean loadBalancers() {
        return cluster.fwdServiceType() == ClusterConfig.FwdServiceType.LoadBalancer;
    }

    /** The type of the Services that users reach an instance's ports through. */
    public String serviceType() {
        return cluster.fwdServiceType().name();
    }

    /** The instance's parent in {@code namespace}, made when it is not there yet: what owns its objects there. */
    public ConfigMap parentIn(String namespace, UUID instance) {
        return createOrGet(clients.get()
                .configMaps()
                .inNamespace(namespace)
                .resource(new ConfigMapBuilder()
                        .withNewMetadata()
                        .withName(name("instance", instance))
                        .withLabels(labels(instance))
                        .endMetadata()
                        .addToData("instance", instance.toString())
                        .build()));
    }

    /** Made once per instance; one there already is from an earlier attempt for the same instance. */
    public static <T extends HasMetadata> T createOrGet(Resource<T> resource) {
        try {
            return resource.create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
            return resource.get();
        }
    }

    /** One by one, so that the Roles need list and delete, not deletecollection; the parents last. */
    private void delete(Map<String, String> labels) {
        KubernetesClient client = clients.get();
        for (HasMetadata object : objects(labels)) {
            client.resources(object.getClass())
                    .inNamespace(object.getMetadata().getNamespace())
                    .withName(object.getMetadata().getName())
                    .delete();
        }
    }

    /** The objects with these labels in the namespaces instances have objects in, the parents last. */
    private List<HasMetadata> objects(Map<String, String> labels) {
        KubernetesClient client = clients.get();
        List<String> namespaces = vpnsInCluster() ? List.of(vpnNamespace(), namespace()) : List.of(namespace());
        List<HasMetadata> found = new ArrayList<>();
        if (vpnsInCluster()) {
            String vpns = vpnNamespace();
            found.addAll(client.apps()
                    .deployments()
                    .inNamespace(vpns)
                    .withLabels(labels)
                    .list()
                    .getItems());
            found.addAll(
                    client.secrets().inNamespace(vpns).withLabels(labels).list().getItems());
        }
        List<HasMetadata> parents = new ArrayList<>();
        for (String namespace : namespaces.stream().distinct().toList()) {
            found.addAll(client.services()
                    .inNamespace(namespace)
                    .withLabels(labels)
                    .list()
                    .getItems());
            parents.addAll(client.configMaps()
                    .inNamespace(namespace)
                    .withLabels(labels)
                    .list()
                    .getItems());
        }
        found.addAll(parents);
        return found;
    }

    /** Whether instances' VPN servers run in the cluster. */
    private boolean vpnsInCluster() {
        return cluster.vpn().image().isPresent();
    }

    /** Where instances' VPN servers run. */
    public String vpnNamespace() {
        return cluster.vpn().namespace().orElseGet(this::namespace);
    }

    private NonNamespaceOperation<Service, ServiceList, ServiceResource<Service>> services() {
        return clients.get().services().inNamespace(namespace());
    }

    private String namespace() {
        return cluster.namespace().orElseGet(() -> clients.get().getNamespace());
    }

    /** {@code <prefix>-<kind>-<instance id>}. */
    public String name(String kind, UUID instance) {
        return cluster.objectPrefix() + "-" + kind + "-" + instance;
    }

    /** The labels of every object of this installation's instances. */
    public Map<String, String> installation() {
        return Map.of(MANAGED_BY, MANAGER, INSTALLATION, cluster.objectPrefix());
    }

    /** The installation's labels and the instance's. */
    public Map<String, String> labels(UUID instance) {
        Map<String, String> labels = new HashMap<>(installation());
        labels.put(INSTANCE, instance.toString());
        return labels;
    }

    public static List<OwnerReference> ownedBy(HasMetadata parent) {
        return List.of(new OwnerReferenceBuilder()
                .withApiVersion(parent.getApiVersion())
                .withKind(parent.getKind())
                .withName(parent.getMetadata().getName())
                .withUid(parent.getMetadata().getUid())
                .build());
    }
}

package dev.rigfleet.instances.vpn;

import dev.rigfleet.instances.cluster.ClusterConfig;
import dev.rigfleet.instances.cluster.Fwd;
import dev.rigfleet.instances.cluster.InstanceObjects;
import dev.rigfleet.instances.vpn.VpnRepository.Vpn;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPathBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * VPN servers as workloads of the cluster, one per VPN, in the VPN namespace: a Secret {@code <prefix>-vpn-<id>} with
 * its files (the same {@link OpenVpnFiles} a local server runs on; the pod is its own network namespace, so no up
 * script), a Deployment of one pod running openvpn on them, and a Service that carries its port to users (its
 * address is the clients' {@code remote}), all owned by the instance's parent there. The pod runs as root with
 * {@code NET_ADMIN} and the node's {@code /dev/net/tun}: Pod Security level {@code privileged}, which is why the
 * chart gives these a namespace of their own.
 *
 * <p>A revocation writes the new CRL to the Secret and numbers it on the pod template, which has the Deployment
 * replace the pod: the new one reads the CRL at its start, and every session is dropped on the way (clients connect
 * again by themselves; the revoked one is refused). No exec into the pod, no management socket across the network.
 */
@ApplicationScoped
public class VpnWorkloads implements VpnServers {

    /** The port the server listens on in its pod; users reach it at the Service's. */
    public static final int PORT = 1194;

    /** On the Secret and the pod template: the number of the CRL they hold. */
    static final String CRL_NUMBER = "rigfleet.dev/crl-number";

    static final String COMPONENT = "app.kubernetes.io/component";

    /** The Secret's mount, read only. */
    public static final String CONFIG = "/etc/rigfleet-vpn";

    /** Where the server keeps its CRL, client directory and management socket: an emptyDir, the only writable path. */
    public static final String FILES = "/run/vpn";

    /** The container's command: the writable files from the Secret, then openvpn. */
    public static final List<String> COMMAND = List.of(
            "/bin/sh",
            "-c",
            "set -e; mkdir -p " + FILES + "/ccd; cp " + CONFIG + "/crl.pem " + FILES + "/crl.pem; cp " + CONFIG
                    + "/instance " + FILES + "/ccd/" + OpenVpnFiles.INSTANCE_CLIENT + "; exec openvpn --config "
                    + CONFIG + "/server.conf");

    private final ClusterConfig cluster;
    private final InstanceObjects objects;
    private final Instance<KubernetesClient> clients;

    VpnWorkloads(ClusterConfig cluster, InstanceObjects objects, Instance<KubernetesClient> clients) {
        this.cluster = cluster;
        this.objects = objects;
        this.clients = clients;
    }

    @Override
    public Optional<String> unavailable() {
        return cluster.vpn().image().isPresent()
                ? Optional.empty()
                : Optional.of("this installation runs no VPN servers (rigfleet.instances.kubernetes.vpn.image is"
                        + " unset: the chart's instances.vpn.enabled)");
    }

    /** A workload of its own, named after it: the port is the pod's, the same for every VPN. */
    @Override
    public Uni<Place> place(UUID instanceId, int attempt) {
        return Uni.createFrom().item(new Place("kubernetes:" + objects.vpnNamespace() + "/" + name(instanceId), PORT));
    }

    @Override
    public Remote start(Vpn vpn, ServerFiles files) {
        UUID instance = vpn.instanceId();
        String namespace = objects.vpnNamespace();
        String name = name(instance);
        ConfigMap parent = objects.parentIn(namespace, instance);
        KubernetesClient client = clients.get();
        Map<String, String> labels = labels(instance);
        String crlNumber = Long.toString(vpn.crlNumber());
        InstanceObjects.createOrGet(client.secrets()
                .inNamespace(namespace)
                .resource(new SecretBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withLabels(labels)
                        .withAnnotations(Map.of(CRL_NUMBER, crlNumber))
                        .withOwnerReferences(InstanceObjects.ownedBy(parent))
                        .endMetadata()
                        .withData(secretData(Vpns.network(vpn), files).entrySet().stream()
                                .collect(Collectors.toMap(Map.Entry::getKey, file -> base64(file.getValue()))))
                        .build()));
        InstanceObjects.createOrGet(client.apps()
                .deployments()
                .inNamespace(namespace)
                .resource(deployment(name, labels, crlNumber, InstanceObjects.ownedBy(parent))));
        InstanceObjects.createOrGet(client.services()
                .inNamespace(namespace)
                .resource(new ServiceBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .withLabels(labels)
                        .withOwnerReferences(InstanceObjects.ownedBy(parent))
                        .endMetadata()
                        .withNewSpec()
                        .withType(objects.serviceType())
                        .withSelector(labels)
                        .addNewPort()
                        .withName("openvpn")
                        .withProtocol("TCP")
                        .withPort(PORT)
                        .withTargetPort(new IntOrString(PORT))
                        .endPort()
                        .endSpec()
                        .build()));
        awaitServing(namespace, name);
        Fwd remote = objects.addressOf(namespace, name);
        Log.infof(
                "Instance %s: its VPN server runs as %s/%s, reached at %s:%d",
                instance, namespace, name, remote.host(), remote.port());
        return new Remote(remote.host(), remote.port());
    }

    /**
     * The Secret's files, mounted at {@link #CONFIG}: the server's configuration (its own network namespace, the
     * pod's, needs no up script), its CRL, and the instance's own client's fixed address.
     */
    public static Map<String, String> secretData(Network network, ServerFiles files) {
        return Map.of(
                "server.conf",
                OpenVpnFiles.server(network, PORT, files.ca(), files.server(), files.staticKey(), FILES, null),
                "crl.pem",
                files.crl(),
                "instance",
                OpenVpnFiles.instanceClient(network));
    }

    private Deployment deployment(
            String name, Map<String, String> labels, String crlNumber, List<OwnerReference> owners) {
        return new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .withOwnerReferences(owners)
                .endMetadata()
                .withNewSpec()
                .withReplicas(1)
                // One server per VPN: the old pod goes before the new one starts.
                .withNewStrategy()
                .withType("Recreate")
                .endStrategy()
                .withNewSelector()
                .withMatchLabels(labels)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .withAnnotations(Map.of(CRL_NUMBER, crlNumber))
                .endMetadata()
                .withNewSpec()
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .addNewContainer()
                .withName("openvpn")
                .withImage(cluster.vpn().image().orElseThrow())
                .withCommand(COMMAND)
                .addNewPort()
                .withName("openvpn")
                .withContainerPort(PORT)
                .withProtocol("TCP")
                .endPort()
                .withNewReadinessProbe()
                .withNewTcpSocket()
                .withPort(new IntOrString(PORT))
                .endTcpSocket()
                .withPeriodSeconds(2)
                .endReadinessProbe()
                .withNewResources()
                .addToRequests("cpu", new Quantity("10m"))
                .addToRequests("memory", new Quantity("16Mi"))
                .addToLimits("memory", new Quantity("64Mi"))
                .endResources()
                // Root with NET_ADMIN only (tun device, its address and routes), nothing to escalate to, and a
                // read-only root: the server writes only to its emptyDir.
                .withNewSecurityContext()
                .withRunAsUser(0L)
                .withRunAsNonRoot(false)
                .withAllowPrivilegeEscalation(false)
                .withReadOnlyRootFilesystem(true)
                .withNewCapabilities()
                .withDrop("ALL")
                .withAdd("NET_ADMIN")
                .endCapabilities()
                .withNewSeccompProfile()
                .withType("RuntimeDefault")
                .endSeccompProfile()
                .endSecurityContext()
                .addNewVolumeMount()
                .withName("config")
                .withMountPath(CONFIG)
                .withReadOnly(true)
                .endVolumeMount()
                .addNewVolumeMount()
                .withName("files")
                .withMountPath(FILES)
                .endVolumeMount()
                .addNewVolumeMount()
                .withName("tun")
                .withMountPath("/dev/net/tun")
                .endVolumeMount()
                .endContainer()
                .addNewVolume()
                .withName("config")
                .withNewSecret()
                .withSecretName(name)
                .withDefaultMode(0400)
                .withItems(
                        new KeyToPathBuilder()
                                .withKey("server.conf")
                                .withPath("server.conf")
                                .build(),
                        new KeyToPathBuilder()
                                .withKey("crl.pem")
                                .withPath("crl.pem")
                                .build(),
                        new KeyToPathBuilder()
                                .withKey("instance")
                                .withPath("instance")
                                .build())
                .endSecret()
                .endVolume()
                .addNewVolume()
                .withName("files")
                .withNewEmptyDir()
                .withMedium("Memory")
                .withSizeLimit(new Quantity("1Mi"))
                .endEmptyDir()
                .endVolume()
                .addNewVolume()
                .withName("tun")
                .withNewHostPath()
                .withPath("/dev/net/tun")
                .withType("CharDevice")
                .endHostPath()
                .endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private void awaitServing(String namespace, String name) {
        try {
            clients.get()
                    .apps()
                    .deployments()
                    .inNamespace(namespace)
                    .withName(name)
                    .waitUntilCondition(
                            deployment -> deployment != null
                                    && deployment.getStatus() != null
                                    && deployment.getStatus().getReadyReplicas() != null
                                    && deployment.getStatus().getReadyReplicas() >= 1,
                            cluster.vpn().startTimeout().toMillis(),
                            TimeUnit.MILLISECONDS);
        } catch (KubernetesClientTimeoutException e) {
            throw new IllegalStateException("its VPN server " + namespace + "/" + name + " did not serve within "
                    + cluster.vpn().startTimeout().toSeconds() + " s");
        }
    }

    /** The CRL to the Secret (for every pod from now on), its number to the pod template: the pod is replaced. */
    @Override
    public void enforce(Vpn vpn, String crl, List<String> dropped) {
        String namespace = objects.vpnNamespace();
        String name = name(vpn.instanceId());
        String crlNumber = Long.toString(vpn.crlNumber());
        KubernetesClient client = clients.get();
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        if (secret == null) {
            return;
        }
        client.secrets()
                .inNamespace(namespace)
                .withName(name)
                .edit(current -> new SecretBuilder(current)
                        .editMetadata()
                        .addToAnnotations(CRL_NUMBER, crlNumber)
                        .endMetadata()
                        .addToData("crl.pem", base64(crl))
                        .build());
        client.apps()
                .deployments()
                .inNamespace(namespace)
                .withName(name)
                .edit(current -> new DeploymentBuilder(current)
                        .editSpec()
                        .editTemplate()
                        .editMetadata()
                        .addToAnnotations(CRL_NUMBER, crlNumber)
                        .endMetadata()
                        .endTemplate()
                        .endSpec()
                        .build());
        Log.infof(
                "Instance %s: its VPN server restarts on CRL %s (%d revoked now)",
                vpn.instanceId(), crlNumber, dropped.size());
    }

    /** The CRL number on the pod template: what the running pod (or the one replacing it) has read. */
    @Override
    public Optional<Long> appliedCrl(UUID instanceId) {
        Deployment deployment = clients.get()
                .apps()
                .deployments()
                .inNamespace(objects.vpnNamespace())
                .withName(name(instanceId))
                .get();
        return Optional.ofNullable(deployment)
                .map(found -> found.getSpec().getTemplate().getMetadata().getAnnotations())
                .map(annotations -> annotations.get(CRL_NUMBER))
                .map(Long::valueOf);
    }

    @Override
    public Set<UUID> running() {
        return clients
                .get()
                .apps()
                .deployments()
                .inNamespace(objects.vpnNamespace())
                .withLabels(labels(null))
                .list()
                .getItems()
                .stream()
                .map(deployment -> deployment.getMetadata().getLabels().get(InstanceObjects.INSTANCE))
                .filter(id -> id != null)
                .map(UUID::fromString)
                .collect(Collectors.toSet());
    }

    /** Every replica reaches the workloads: what it changes it applies itself, without the bus. */
    @Override
    public boolean runsHere(UUID instanceId) {
        return false;
    }

    @Override
    public void stop(UUID instanceId) {
        String namespace = objects.vpnNamespace();
        String name = name(instanceId);
        KubernetesClient client = clients.get();
        client.apps().deployments().inNamespace(namespace).withName(name).delete();
        client.services().inNamespace(namespace).withName(name).delete();
        client.secrets().inNamespace(namespace).withName(name).delete();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private String name(UUID instanceId) {
        return objects.name("vpn", instanceId);
    }

    /** The instance's labels and the component's; with a null instance, those of every VPN of the installation. */
    private Map<String, String> labels(UUID instanceId) {
        Map<String, String> labels =
                new HashMap<>(instanceId == null ? objects.installation() : objects.labels(instanceId));
        labels.put(COMPONENT, "vpn");
        return labels;
    }
}

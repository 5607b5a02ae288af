package dev.rigfleet.instances;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a Kubernetes API server's controllers and kubelets would add to the objects the instances service makes, for
 * Fabric8's mock server (CRUD mode), which only stores them: a node port for each new Service, and a ready pod for
 * each new Deployment.
 */
public final class ClusterControllers implements AutoCloseable {

    private final AtomicInteger nodePorts = new AtomicInteger(30000);
    private final List<Watch> watches = new ArrayList<>();

    /** Starts acting on new Services and Deployments in these namespaces. */
    public ClusterControllers(KubernetesClient client, String... namespaces) {
        for (String namespace : namespaces) {
            watches.add(client.services().inNamespace(namespace).watch(new Added<>() {
                @Override
                void added(Service service) {
                    if (service.getSpec().getPorts().get(0).getNodePort() == null) {
                        client.services()
                                .inNamespace(namespace)
                                .withName(service.getMetadata().getName())
                                .edit(s -> new ServiceBuilder(s)
                                        .editSpec()
                                        .editFirstPort()
                                        .withNodePort(nodePorts.incrementAndGet())
                                        .endPort()
                                        .endSpec()
                                        .build());
                    }
                }
            }));
            watches.add(client.apps().deployments().inNamespace(namespace).watch(new Added<>() {
                @Override
                void added(Deployment deployment) {
                    deployment.setStatus(new DeploymentStatusBuilder()
                            .withReplicas(1)
                            .withReadyReplicas(1)
                            .withAvailableReplicas(1)
                            .build());
                    client.apps()
                            .deployments()
                            .inNamespace(namespace)
                            .resource(deployment)
                            .updateStatus();
                }
            }));
        }
    }

    /** The latest node port given. */
    public int lastNodePort() {
        return nodePorts.get();
    }

    @Override
    public void close() {
        watches.forEach(Watch::close);
    }

    private abstract static class Added<T> implements Watcher<T> {
        abstract void added(T object);

        @Override
        public void eventReceived(Action action, T object) {
            if (action == Action.ADDED) {
                added(object);
            }
        }

        @Override
        public void onClose(WatcherException cause) {}
    }
}

package dev.rigfleet.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import dev.rigfleet.e2e.RoutingTable;
import dev.rigfleet.keygen.GeneratedKeys;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.SecretVolumeSource;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetSpec;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Renders charts/rigfleet with every values file under ci/ and checks the objects it makes. */
class ChartTest {

    private static final Path ROOT =
            Path.of(System.getProperty("rigfleet.root", "..")).toAbsolutePath().normalize();
    private static final Path CHART = ROOT.resolve("charts/rigfleet");
    private static final KubernetesSerialization YAML = new KubernetesSerialization();
    /** Helm's annotation that makes an object a hook, and the name the rendered copy gives it (see {@link #RENDERED}). */
    private static final String HOOK = "helm.sh/hook";

    private static final String HOOK_AS_RENDERED = "test.rigfleet.dev/helm-hook";
    /**
     * The chart as rendered here. helm-java's template, unlike the helm CLI, returns the release's manifest only, in
     * which Helm leaves out hooks; so this is a copy of the chart in which the key Job's objects carry their hook
     * annotation under another name, and are rendered with everything else. Its value is checked under that name.
     */
    private static final Path RENDERED = hooksAsObjects();
    /** How an exact path (pathType Exact, nginx's {@code location =}) is spelled among the prefixes here. */
    private static final String EXACT = "= ";
    /**
     * The public prefixes and their services, as templates/ingress.yaml and deploy/nginx.conf.template list them
     * (and e2e's EntryProxyIT tries them): the three change together. One exact path: {@code GET /}.
     */
    private static final Map<String, String> ALLOW_LIST = Map.ofEntries(
            Map.entry(EXACT + "/", "workspaces"),
            Map.entry("/token", "workspaces"),
            Map.entry("/revoke", "workspaces"),
            Map.entry("/purge", "workspaces"),
            Map.entry("/users", "workspaces"),
            Map.entry("/workspaces", "workspaces"),
            Map.entry("/deployments", "workspaces"),
            Map.entry("/deployment", "workspaces"),
            Map.entry("/queuelen", "workspaces"),
            Map.entry("/rules", "workspaces"),
            Map.entry("/reservations", "workspaces"),
            Map.entry("/reservation", "workspaces"),
            Map.entry("/notifications", "workspaces"),
            Map.entry("/ci", "workspaces"),
            Map.entry("/user/v1", "workspaces"),
            Map.entry("/actor/v1", "workspaces"),
            Map.entry("/ui", "workspaces"),
            Map.entry("/fleets", "registry"),
            Map.entry("/devices", "registry"),
            Map.entry("/supervisor", "registry"),
            Map.entry("/supervisor-commands", "registry"),
            Map.entry("/provision", "registry"),
            Map.entry("/v7", "registry"),
            Map.entry("/new", "instances"),
            Map.entry("/terminate", "instances"),
            Map.entry("/instances", "instances"),
            Map.entry("/instance", "instances"),
            Map.entry("/firewall", "instances"),
            Map.entry("/vpn", "instances"),
            Map.entry("/api/v2/workspaceagents", "coordinator"));
    /** rigfleet's services, each a component of the chart. */
    private static final Set<String> COMPONENTS = Set.of("workspaces", "registry", "instances", "coordinator");
    /** The components that sign tokens, and so see the JWT private key. */
    private static final Set<String> SIGNERS = Set.of("workspaces", "coordinator");
    /** The Secret the key Job writes, for the release "rf". */
    private static final String GENERATED = "rf-keys";
    /** The values that name a Secret of the operator's, and the keys values.yaml says each holds. */
    private static final Map<String, Set<String>> OPERATOR_SECRETS = Map.of(
            "jwt.existingSecret", Set.of("public.pem", "private.pem"),
            "serviceIdentity.existingSecret", Set.of("service-key"),
            "postgresql.existingSecret", Set.of("password"),
            "registry.secretsKeySecret", Set.of("secrets-key"),
            "instances.secretsKeySecret", Set.of("secrets-key"),
            "workspaces.bootstrapAdminSecret", Set.of("username", "password"),
            "coordinator.identityCertificatesSecret", Set.of());
    /** The components that keep their data in PostgreSQL, and so get the datasource. */
    private static final Set<String> POSTGRES_USERS = Set.of("workspaces", "registry", "instances");
    /** The datasource keys the chart sets, all or none. */
    private static final List<String> DATASOURCE_ENV = List.of(
            "QUARKUS_DATASOURCE_REACTIVE_URL",
            "QUARKUS_DATASOURCE_JDBC_URL",
            "QUARKUS_DATASOURCE_USERNAME",
            "QUARKUS_DATASOURCE_PASSWORD");
    /** The labels of every pod of the release "rf", whatever its component. */
    private static final Map<String, String> RELEASE_PODS =
            Map.of("app.kubernetes.io/name", "rigfleet", "app.kubernetes.io/instance", "rf");

    static Stream<Path> valuesFiles() throws IOException {
        return Files.list(CHART.resolve("ci"))
                .filter(file -> file.toString().endsWith(".yaml"))
                .sorted();
    }

    @Test
    void theChartLintsCleanly() {
        LintResult lint = new Helm(CHART).lint().strict().call();

        assertFalse(lint.isFailed(), String.join("\n", lint.getMessages()));
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyComponentIsWiredAndProbed(Path values) {
        List<HasMetadata> objects = render(values);
        List<Workload> components = components(objects);
        assertFalse(components.isEmpty());
        for (Workload component : components) {
            Container container = component.container();
            Map<String, EnvVar> env = env(container);
            assertEquals(
                    "/q/health/ready",
                    container.getReadinessProbe().getHttpGet().getPath());
            assertEquals(
                    "/q/health/live", container.getLivenessProbe().getHttpGet().getPath());
            assertEquals(
                    "file:/etc/rigfleet/jwt/public.pem",
                    env.get("MP_JWT_VERIFY_PUBLICKEY_LOCATION").getValue());
            assertTrue(env.get("QUARKUS_REDIS_HOSTS").getValue().startsWith("redis://"));
            assertTrue(env.get("QUARKUS_REST_CLIENT_REVOCATIONS_URL").getValue().endsWith("-workspaces:8081"));
            assertTrue(env.get("QUARKUS_REST_CLIENT_REGISTRY_URL").getValue().endsWith("-registry:8083"));
            assertEquals(
                    "service-key",
                    env.get("RIGFLEET_SERVICE_IDENTITY_KEY")
                            .getValueFrom()
                            .getSecretKeyRef()
                            .getKey());
            assertTrue(env.get("QUARKUS_HTTP_PROXY_TRUSTED_PROXIES").getValue().startsWith("10.42.0.0/16"));
            assertEquals(
                    component.selector().getMatchLabels().get("app.kubernetes.io/component"),
                    component.labels().get("app.kubernetes.io/component"));
            assertNotNull(named(ofKind(objects, Service.class), "-" + component.component()), "its Service");
        }
    }

    /** Probes, resources and Pod Security's restricted level, for every pod the chart makes (the Job's too). */
    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyPodIsProbedBoundedAndRestricted(Path values) {
        for (Workload workload : workloads(render(values))) {
            String name = workload.name();
            PodSpec pod = workload.template().getSpec();
            PodSecurityContext podSecurity = pod.getSecurityContext();
            assertEquals(Boolean.TRUE, podSecurity.getRunAsNonRoot(), name);
            assertNotEquals(0L, podSecurity.getRunAsUser(), name);
            assertEquals("RuntimeDefault", podSecurity.getSeccompProfile().getType(), name);
            assertNotEquals(Boolean.TRUE, pod.getHostNetwork(), name);
            for (Container container : pod.getContainers()) {
                SecurityContext security = container.getSecurityContext();
                assertEquals(Boolean.FALSE, security.getAllowPrivilegeEscalation(), name);
                assertEquals(Boolean.TRUE, security.getReadOnlyRootFilesystem(), name);
                assertEquals(List.of("ALL"), security.getCapabilities().getDrop(), name);
                assertTrue(
                        security.getCapabilities().getAdd() == null
                                || security.getCapabilities().getAdd().isEmpty(),
                        name);
                assertNotNull(container.getResources().getRequests().get("memory"), name);
                assertNotNull(container.getResources().getLimits().get("memory"), name);
                if (!workload.kind().equals("Job")) {
                    assertNotNull(container.getLivenessProbe(), name);
                    assertNotNull(container.getReadinessProbe(), name);
                }
            }
        }
    }

    /**
     * What a pod's ServiceAccount may do: exactly what its code calls. workspaces and instances elect a leader on a
     * Lease (dev.rigfleet.common.leader.LeaseElection: get, create, update); the key Job reads, creates and completes
     * its Secret (dev.rigfleet.keygen.KeySecret); the others call nothing.
     */
    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyWorkloadHasItsOwnServiceAccountWithExactlyTheRightsItsCodeUses(Path values) {
        List<HasMetadata> objects = render(values);
        Set<String> accounts = ofKind(objects, ServiceAccount.class).stream()
                .map(account -> account.getMetadata().getName())
                .collect(Collectors.toSet());
        List<Workload> workloads = workloads(objects);
        Map<String, List<List<String>>> expected = new HashMap<>();
        for (Workload workload : workloads) {
            PodSpec pod = workload.template().getSpec();
            assertEquals(workload.name(), pod.getServiceAccountName(), "its own account");
            assertTrue(accounts.contains(pod.getServiceAccountName()), workload.name());
            List<List<String>> rules = switch (workload.component()) {
                // And, with declared deployments, its informer and the resources' status.
                case "workspaces" ->
                    values.endsWith("production-values.yaml")
                            ? Stream.concat(
                                            leases(workload.name()).stream(),
                                            Stream.of(
                                                    List.of("rigfleet.dev", "workspacedeployments", "*", "list,watch"),
                                                    List.of(
                                                            "rigfleet.dev",
                                                            "workspacedeployments/status",
                                                            "*",
                                                            "patch")))
                                    .toList()
                            : leases(workload.name());
                // And its instances' fwd Services and their parents (dev.rigfleet.instances.cluster.InstanceObjects),
                // and with VPN servers, theirs (dev.rigfleet.instances.vpn.VpnWorkloads) in their namespace.
                case "instances" ->
                    Stream.of(
                                    leases(workload.name()),
                                    List.of(
                                            List.of("", "services", "*", "get,list,watch,create,delete"),
                                            List.of("", "configmaps", "*", "get,list,create,delete")),
                                    values.endsWith("bundled-values.yaml") ? VPN_SERVERS : List.<List<String>>of())
                            .flatMap(List::stream)
                            .toList();
                case "keygen" ->
                    List.of(List.of("", "secrets", GENERATED, "get,patch"), List.of("", "secrets", "*", "create"));
                default -> List.of();
            };
            assertEquals(
                    !rules.isEmpty(),
                    Boolean.TRUE.equals(pod.getAutomountServiceAccountToken()),
                    workload.name() + ": a token only where the Kubernetes API is called");
            if (!rules.isEmpty()) {
                expected.put(workload.name(), rules);
            }
        }
        assertEquals(workloads.size(), accounts.size(), "no account without its workload");
        assertTrue(ofKind(objects, ClusterRole.class).isEmpty());
        assertTrue(ofKind(objects, ClusterRoleBinding.class).isEmpty());

        Map<String, List<List<String>>> granted = new HashMap<>();
        Map<String, Role> roles =
                ofKind(objects, Role.class).stream().collect(Collectors.toMap(ChartTest::namespacedName, role -> role));
        Set<String> bound = new HashSet<>();
        for (RoleBinding binding : ofKind(objects, RoleBinding.class)) {
            assertEquals("Role", binding.getRoleRef().getKind());
            String roleName = namespaceOf(binding) + "/" + binding.getRoleRef().getName();
            Role role = roles.get(roleName);
            assertNotNull(role, binding.getMetadata().getName());
            bound.add(roleName);
            for (Subject subject : binding.getSubjects()) {
                assertEquals("ServiceAccount", subject.getKind());
                granted.merge(
                        subject.getName(),
                        rules(role),
                        (a, b) -> Stream.concat(a.stream(), b.stream()).toList());
            }
        }
        assertEquals(expected, granted);
        assertEquals(roles.keySet(), bound, "no Role bound to no one");
        for (Workload elector : components(objects).stream()
                .filter(c -> expected.containsKey(c.name()))
                .toList()) {
            Map<String, EnvVar> env = env(elector.container());
            assertEquals("lease", env.get("RIGFLEET_LEADERSHIP_BACKEND").getValue());
            assertEquals(elector.name(), env.get("RIGFLEET_LEADERSHIP_NAME").getValue(), "the Lease its Role names");
            assertEquals(
                    "metadata.namespace",
                    env.get("RIGFLEET_LEADERSHIP_NAMESPACE")
                            .getValueFrom()
                            .getFieldRef()
                            .getFieldPath());
        }
    }

    /** What dev.rigfleet.instances.vpn.VpnWorkloads and InstanceObjects do in the VPN servers' namespace. */
    private static final List<List<String>> VPN_SERVERS = List.of(
            List.of("apps", "deployments", "*", "get,list,watch,create,patch,delete"),
            List.of("", "secrets", "*", "get,list,create,patch,delete"),
            List.of("", "services", "*", "get,list,watch,create,delete"),
            List.of("", "configmaps", "*", "get,list,create,delete"));

    /**
     * VPN servers (bundled-values.yaml turns them on) run in a namespace of their own at Pod Security level
     * privileged, where the instances service has its Role, and a NetworkPolicy lets users in to their port only.
     */
    @Test
    void vpnServersGetANamespaceOfTheirOwnWithTheInstancesRoleAndAPolicy() {
        String manifest = new Helm(RENDERED)
                .template()
                .withName("rf")
                .withNamespace("rigfleet")
                .withValuesFile(CHART.resolve("ci/bundled-values.yaml"))
                .call();
        List<HasMetadata> objects = parse(manifest);
        Namespace namespace = ofKind(objects, Namespace.class).stream()
                .filter(n -> n.getMetadata().getName().equals("rf-vpn"))
                .findFirst()
                .orElseThrow();
        assertEquals("privileged", namespace.getMetadata().getLabels().get("pod-security.kubernetes.io/enforce"));
        Role role = ofKind(objects, Role.class).stream()
                .filter(r -> "rf-vpn".equals(r.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow();
        assertEquals(VPN_SERVERS, rules(role));
        RoleBinding binding = ofKind(objects, RoleBinding.class).stream()
                .filter(b -> "rf-vpn".equals(b.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow();
        assertEquals("rf-instances", binding.getSubjects().get(0).getName());
        assertEquals("rigfleet", binding.getSubjects().get(0).getNamespace(), "the release's namespace");

        Map<String, EnvVar> env = env(components(objects).stream()
                .filter(c -> c.component().equals("instances"))
                .findFirst()
                .orElseThrow()
                .container());
        assertEquals(
                "rf-vpn", env.get("RIGFLEET_INSTANCES_KUBERNETES_VPN_NAMESPACE").getValue());
        String appVersion = Pattern.compile("(?m)^appVersion: \"?([^\"\n]+)")
                .matcher(readChartYaml())
                .results()
                .findFirst()
                .orElseThrow()
                .group(1);
        assertTrue(
                env.get("RIGFLEET_INSTANCES_KUBERNETES_VPN_IMAGE").getValue().endsWith("/rigfleet-vpn:" + appVersion),
                env.get("RIGFLEET_INSTANCES_KUBERNETES_VPN_IMAGE").getValue());

        NetworkPolicy policy = ofKind(objects, NetworkPolicy.class).stream()
                .filter(p -> "rf-vpn".equals(p.getMetadata().getNamespace()))
                .findFirst()
                .orElseThrow();
        assertEquals(List.of("Ingress", "Egress"), policy.getSpec().getPolicyTypes());
        assertTrue(policy.getSpec().getEgress().isEmpty(), "the servers reach nothing");
        assertEquals(
                1194,
                policy.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal());
        assertEquals("vpn", policy.getSpec().getPodSelector().getMatchLabels().get("app.kubernetes.io/component"));
    }

    @Test
    void vpnServersNeedANamespaceOtherThanTheReleases() {
        Path bundled = CHART.resolve("ci/bundled-values.yaml");
        assertRefusedNaming("instances.vpn.namespace", bundled, Map.of("instances.vpn.namespace", ""));
        var inItsOwnNamespace = new Helm(RENDERED)
                .template()
                .withName("rf")
                .withNamespace("rigfleet")
                .withValuesFile(bundled)
                .set("instances.vpn.namespace", "rigfleet");
        IllegalStateException refused = assertThrows(IllegalStateException.class, inItsOwnNamespace::call);
        assertTrue(refused.getMessage().contains("not the release's"), refused.getMessage());
    }

    private static String readChartYaml() {
        try {
            return Files.readString(CHART.resolve("Chart.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String namespaceOf(HasMetadata object) {
        return object.getMetadata().getNamespace() == null
                ? ""
                : object.getMetadata().getNamespace();
    }

    private static String namespacedName(HasMetadata object) {
        return namespaceOf(object) + "/" + object.getMetadata().getName();
    }

    /** What dev.rigfleet.common.leader.LeaseElection does with its Lease. */
    private static List<List<String>> leases(String lease) {
        return List.of(
                List.of("coordination.k8s.io", "leases", lease, "get,update"),
                // Kubernetes cannot narrow create to a name.
                List.of("coordination.k8s.io", "leases", "*", "create"));
    }

    private static List<List<String>> rules(Role role) {
        return role.getRules().stream()
                .flatMap(rule -> rule.getApiGroups().stream()
                        .flatMap(group -> rule.getResources().stream()
                                .map(resource -> List.of(
                                        group,
                                        resource,
                                        rule.getResourceNames() == null
                                                        || rule.getResourceNames()
                                                                .isEmpty()
                                                ? "*"
                                                : String.join(",", rule.getResourceNames()),
                                        String.join(",", rule.getVerbs())))))
                .toList();
    }

    /**
     * Every Secret a pod reads (env and volumes) is the operator's, named in the values file, or the generated one,
     * with a key the key Job writes, and the Job is there exactly when something reads the generated Secret.
     */
    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everySecretReadIsSuppliedByTheOperatorOrGeneratedByTheKeyJob(Path values) throws IOException {
        List<HasMetadata> objects = render(values);
        Map<String, Set<String>> allowed = operatorSecrets(values);
        allowed.merge(GENERATED, Set.copyOf(GeneratedKeys.NAMES), (a, b) -> b);
        Set<String> readsGenerated = new HashSet<>();
        for (Workload workload : workloads(objects)) {
            for (SecretRead read : secretReads(workload.template().getSpec())) {
                assertTrue(allowed.containsKey(read.secret()), workload.name() + " reads " + read);
                assertTrue(
                        read.key() == null || allowed.get(read.secret()).contains(read.key()),
                        workload.name() + " reads " + read);
                if (read.secret().equals(GENERATED)) {
                    readsGenerated.add(read.key());
                }
            }
        }
        assertEquals(!readsGenerated.isEmpty(), keyJob(objects).isPresent(), "the key Job exactly when needed");
        keyJob(objects).ifPresent(job -> {
            Map<String, EnvVar> env = env(job.container());
            assertEquals(GENERATED, env.get("RIGFLEET_KEYGEN_SECRET").getValue());
            assertEquals(
                    "metadata.namespace",
                    env.get("RIGFLEET_KEYGEN_NAMESPACE")
                            .getValueFrom()
                            .getFieldRef()
                            .getFieldPath());
            Map<String, String> annotations = job.annotations();
            assertEquals("pre-install,pre-upgrade", annotations.get(HOOK_AS_RENDERED));
            assertFalse(annotations.containsKey(HOOK));
        });
    }

    @Test
    void withEveryKeyGivenThereIsNoKeyJobAndTheComponentsReadTheGivenSecrets() {
        List<HasMetadata> objects = render(CHART.resolve("ci/production-values.yaml"));
        assertTrue(keyJob(objects).isEmpty());
        Map<String, EnvVar> registry =
                env(ofComponent(components(objects), "registry").container());
        assertEquals(
                "rigfleet-registry-secrets",
                registry.get("RIGFLEET_REGISTRY_SECRETS_KEY")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName());
        assertEquals(
                "secrets-key",
                registry.get("RIGFLEET_REGISTRY_SECRETS_KEY")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getKey());
        assertEquals(
                "rigfleet-jwt",
                jwtVolume(ofComponent(components(objects), "registry")).getSecretName());
    }

    @Test
    void withoutGivenKeysTheComponentsReadTheGeneratedSecret() {
        List<HasMetadata> objects = render(CHART.resolve("ci/minimal-values.yaml"));
        assertTrue(keyJob(objects).isPresent());
        Map<String, String> expected = Map.of(
                "registry", "RIGFLEET_REGISTRY_SECRETS_KEY=" + GeneratedKeys.REGISTRY_SECRETS_KEY,
                "instances", "RIGFLEET_INSTANCES_SECRETS_KEY=" + GeneratedKeys.INSTANCES_SECRETS_KEY);
        for (Workload component : components(objects)) {
            Map<String, EnvVar> env = env(component.container());
            SecretKeySelector serviceKey =
                    env.get("RIGFLEET_SERVICE_IDENTITY_KEY").getValueFrom().getSecretKeyRef();
            assertEquals(
                    List.of(GENERATED, GeneratedKeys.SERVICE_KEY), List.of(serviceKey.getName(), serviceKey.getKey()));
            assertEquals(GENERATED, jwtVolume(component).getSecretName());
            String own = expected.get(component.component());
            if (own != null) {
                String[] nameAndKey = own.split("=");
                SecretKeySelector key = env.get(nameAndKey[0]).getValueFrom().getSecretKeyRef();
                assertEquals(List.of(GENERATED, nameAndKey[1]), List.of(key.getName(), key.getKey()));
            }
        }
    }

    /** Only the signers get the private key in their pods; everyone gets the public one. */
    @ParameterizedTest
    @MethodSource("valuesFiles")
    void onlyWorkspacesAndTheCoordinatorSeeThePrivateKey(Path values) {
        for (Workload component : components(render(values))) {
            boolean signs = SIGNERS.contains(component.component());
            assertEquals(
                    signs,
                    env(component.container()).containsKey("SMALLRYE_JWT_SIGN_KEY_LOCATION"),
                    component.component());
            List<String> keys = jwtVolume(component).getItems().stream()
                    .map(KeyToPath::getKey)
                    .toList();
            assertEquals(
                    signs ? List.of("public.pem", "private.pem") : List.of("public.pem"), keys, component.component());
        }
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void theDatabaseUsersGetTheSameDatasourceAndNoOneElseDoes(Path values) {
        List<Workload> components = components(render(values));
        Set<String> withDatasource = components.stream()
                .filter(c -> env(c.container()).containsKey("QUARKUS_DATASOURCE_REACTIVE_URL"))
                .map(Workload::component)
                .collect(Collectors.toSet());
        Set<String> deployed = components.stream().map(Workload::component).collect(Collectors.toSet());
        assertEquals(POSTGRES_USERS.stream().filter(deployed::contains).collect(Collectors.toSet()), withDatasource);
        Set<String> urls = new HashSet<>();
        Set<List<String>> passwords = new HashSet<>();
        for (Workload workload : components) {
            Map<String, EnvVar> env = env(workload.container());
            String component = workload.component();
            if (!POSTGRES_USERS.contains(component)) {
                for (String key : DATASOURCE_ENV) {
                    assertFalse(env.containsKey(key), component + " gets " + key);
                }
                continue;
            }
            String reactive = env.get("QUARKUS_DATASOURCE_REACTIVE_URL").getValue();
            assertEquals(
                    "jdbc:" + reactive, env.get("QUARKUS_DATASOURCE_JDBC_URL").getValue(), component);
            urls.add(reactive);
            assertEquals("rigfleet", env.get("QUARKUS_DATASOURCE_USERNAME").getValue(), component);
            EnvVar password = env.get("QUARKUS_DATASOURCE_PASSWORD");
            assertNull(password.getValue(), "the password only from the Secret");
            SecretKeySelector ref = password.getValueFrom().getSecretKeyRef();
            passwords.add(List.of(ref.getName(), ref.getKey()));
        }
        assertEquals(1, urls.size(), "one database: " + urls);
        assertEquals(1, passwords.size(), "one password: " + passwords);
    }

    @Test
    void theDatasourceFollowsThePostgresqlValues() {
        List<Workload> components = components(render(
                CHART.resolve("ci/minimal-values.yaml"),
                Map.ofEntries(
                        Map.entry("postgresql.host", "pg.example.org"),
                        Map.entry("postgresql.port", "6432"),
                        Map.entry("postgresql.username", "rf"))));
        for (String component : POSTGRES_USERS) {
            Map<String, EnvVar> env = env(ofComponent(components, component).container());
            assertEquals(
                    "postgresql://pg.example.org:6432/rigfleet",
                    env.get("QUARKUS_DATASOURCE_REACTIVE_URL").getValue());
            assertEquals(
                    "jdbc:postgresql://pg.example.org:6432/rigfleet",
                    env.get("QUARKUS_DATASOURCE_JDBC_URL").getValue());
            assertEquals("rf", env.get("QUARKUS_DATASOURCE_USERNAME").getValue());
            SecretKeySelector password =
                    env.get("QUARKUS_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef();
            assertEquals(List.of("rigfleet-db", "password"), List.of(password.getName(), password.getKey()));
        }
    }

    @Test
    void theBundledDatabasesServeTheComponentsWithTheGeneratedPassword() {
        List<HasMetadata> objects = render(CHART.resolve("ci/bundled-values.yaml"));
        Workload postgresql = ofComponent(workloads(objects), "postgresql");
        Workload redis = ofComponent(workloads(objects), "redis");
        assertEquals("StatefulSet", postgresql.kind());
        assertEquals("StatefulSet", redis.kind());
        Map<String, EnvVar> database = env(postgresql.container());
        SecretKeySelector password =
                database.get("POSTGRES_PASSWORD").getValueFrom().getSecretKeyRef();
        assertEquals(
                List.of(GENERATED, GeneratedKeys.POSTGRESQL_PASSWORD), List.of(password.getName(), password.getKey()));
        assertEquals("rigfleet", database.get("POSTGRES_USER").getValue());
        assertEquals("rigfleet", database.get("POSTGRES_DB").getValue());
        for (Workload component : components(objects)) {
            Map<String, EnvVar> env = env(component.container());
            assertEquals("redis://rf-redis:6379", env.get("QUARKUS_REDIS_HOSTS").getValue(), component.component());
            if (POSTGRES_USERS.contains(component.component())) {
                assertEquals(
                        "postgresql://rf-postgresql:5432/rigfleet",
                        env.get("QUARKUS_DATASOURCE_REACTIVE_URL").getValue());
                assertEquals(
                        password,
                        env.get("QUARKUS_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef(),
                        "the password the database was made with");
            }
        }
        for (String database2 : List.of("postgresql", "redis")) {
            NetworkPolicy policy = named(ofKind(objects, NetworkPolicy.class), "-" + database2);
            List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
            assertEquals(1, rules.size(), database2 + ": the release's pods only");
            assertEquals(
                    RELEASE_PODS, onlyMatchLabels(rules.get(0).getFrom().get(0).getPodSelector()));
            assertEquals(1, rules.get(0).getPorts().size());
        }
    }

    @Test
    void anExternalDatabaseNeedsItsPasswordSecret() {
        assertRefusedNaming(
                "postgresql.existingSecret",
                CHART.resolve("ci/minimal-values.yaml"),
                Map.of("postgresql.existingSecret", ""));
    }

    @Test
    void imagesDefaultToTheGlobalRegistryAndTheChartsAppVersion() {
        for (Workload workload : rigfleetWorkloads(render(CHART.resolve("ci/minimal-values.yaml")))) {
            Container container = workload.container();
            assertEquals(
                    "registry.example.com/rigfleet/rigfleet-" + workload.component() + ":0.1.0-SNAPSHOT",
                    container.getImage());
            assertEquals("IfNotPresent", container.getImagePullPolicy());
        }
    }

    @Test
    void aComponentsImageOverridesTheGlobalImageKeyByKey() {
        List<Workload> components = components(render(CHART.resolve("ci/production-values.yaml")));
        Container coordinator = ofComponent(components, "coordinator").container();
        assertEquals("mirror.example.org/rigfleet/coordinator:1.2.1-hotfix", coordinator.getImage());
        assertEquals("Always", coordinator.getImagePullPolicy());
        Container registry = ofComponent(components, "registry").container();
        assertEquals("registry.example.org/rigs/rigfleet-registry:1.2.1", registry.getImage(), "only the tag");
        assertEquals("IfNotPresent", registry.getImagePullPolicy());
        Container workspaces = ofComponent(components, "workspaces").container();
        assertEquals("registry.example.org/rigs/rigfleet-workspaces:1.2.0", workspaces.getImage(), "no override");
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyServiceSelectsPodsThatExist(Path values) {
        List<HasMetadata> objects = render(values);
        List<Workload> workloads = workloads(objects);
        for (Service service : ofKind(objects, Service.class)) {
            Map<String, String> selector = service.getSpec().getSelector();
            assertFalse(
                    selector == null || selector.isEmpty(),
                    service.getMetadata().getName());
            List<Workload> selected = workloads.stream()
                    .filter(w -> w.labels().entrySet().containsAll(selector.entrySet()))
                    .toList();
            assertEquals(1, selected.size(), service.getMetadata().getName() + " selects " + selected);
            Set<String> ports = selected.get(0).container().getPorts().stream()
                    .map(ContainerPort::getName)
                    .collect(Collectors.toSet());
            for (ServicePort port : service.getSpec().getPorts()) {
                assertTrue(
                        ports.contains(port.getTargetPort().getStrVal()),
                        service.getMetadata().getName());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyComponentHasADisruptionBudgetForItsPods(Path values) {
        List<HasMetadata> objects = render(values);
        List<PodDisruptionBudget> budgets = ofKind(objects, PodDisruptionBudget.class);
        List<Workload> components = components(objects);
        assertEquals(components.size(), budgets.size());
        for (Workload component : components) {
            List<PodDisruptionBudget> selecting = budgets.stream()
                    .filter(b -> component
                            .selector()
                            .getMatchLabels()
                            .equals(onlyMatchLabels(b.getSpec().getSelector())))
                    .toList();
            assertEquals(1, selecting.size(), component.name());
            PodDisruptionBudgetSpec spec = selecting.get(0).getSpec();
            assertTrue(spec.getMinAvailable() == null ^ spec.getMaxUnavailable() == null, component.name());
        }
    }

    @Test
    void theCoordinatorIsAStatefulSetWithAHeadlessServiceAndNeverAutoscaled() {
        for (Path values :
                List.of(CHART.resolve("ci/minimal-values.yaml"), CHART.resolve("ci/production-values.yaml"))) {
            List<HasMetadata> objects = render(values);
            Workload coordinator = ofComponent(components(objects), "coordinator");
            assertEquals("StatefulSet", coordinator.kind());
            StatefulSet statefulSet = named(ofKind(objects, StatefulSet.class), "-coordinator");
            Service headless = named(ofKind(objects, Service.class), "-coordinator-headless");
            assertEquals(headless.getMetadata().getName(), statefulSet.getSpec().getServiceName());
            assertEquals("None", headless.getSpec().getClusterIP());
            assertTrue(ofKind(objects, HorizontalPodAutoscaler.class).stream()
                    .noneMatch(h -> h.getSpec().getScaleTargetRef().getName().endsWith("-coordinator")));
        }
        assertRefusedNaming(
                "coordinator.autoscaling",
                CHART.resolve("ci/minimal-values.yaml"),
                Map.of("coordinator.autoscaling.enabled", "true"));
    }

    @Test
    void autoscaledComponentsLeaveTheirReplicasToTheirAutoscaler() {
        List<HasMetadata> objects = render(CHART.resolve("ci/production-values.yaml"));
        Map<String, HorizontalPodAutoscaler> autoscalers = ofKind(objects, HorizontalPodAutoscaler.class).stream()
                .collect(Collectors.toMap(h -> h.getSpec().getScaleTargetRef().getName(), h -> h));
        assertEquals(Set.of("rf-workspaces", "rf-registry"), autoscalers.keySet());
        for (Workload component : components(objects)) {
            HorizontalPodAutoscaler autoscaler = autoscalers.get(component.name());
            if (autoscaler == null) {
                assertNotNull(component.replicas(), component.name());
                continue;
            }
            assertNull(component.replicas(), component.name() + ": the autoscaler's to set");
            assertEquals("Deployment", autoscaler.getSpec().getScaleTargetRef().getKind());
            assertTrue(autoscaler.getSpec().getMinReplicas()
                    <= autoscaler.getSpec().getMaxReplicas());
        }
        assertEquals(8, autoscalers.get("rf-workspaces").getSpec().getMaxReplicas());
        assertEquals(
                60,
                autoscalers
                        .get("rf-workspaces")
                        .getSpec()
                        .getMetrics()
                        .get(0)
                        .getResource()
                        .getTarget()
                        .getAverageUtilization());
        assertTrue(ofKind(render(CHART.resolve("ci/minimal-values.yaml")), HorizontalPodAutoscaler.class)
                .isEmpty());
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyComponentAcceptsOnlyTheReleasesPodsAndTheIngressController(Path values) {
        List<HasMetadata> objects = render(values);
        List<Workload> components = components(objects);
        boolean instances = components.stream().anyMatch(c -> c.component().equals("instances"));
        List<NetworkPolicy> policies = ofKind(objects, NetworkPolicy.class);
        for (Workload workload : components) {
            String component = workload.component();
            Map<String, String> pods = workload.selector().getMatchLabels();
            List<NetworkPolicy> selecting = policies.stream()
                    .filter(p -> pods.equals(p.getSpec().getPodSelector().getMatchLabels()))
                    .toList();
            assertEquals(1, selecting.size(), component);
            NetworkPolicy policy = selecting.get(0);
            assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes(), component);
            List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
            // With instances, users reach the coordinators' tunnel ports through the instances' fwd Services.
            boolean users = instances && component.equals("coordinator");
            assertEquals(users ? 3 : 2, rules.size(), component);
            if (users) {
                NetworkPolicyIngressRule fromUsers = rules.get(2);
                assertEquals(1, fromUsers.getFrom().size());
                assertEquals(
                        "0.0.0.0/0", fromUsers.getFrom().get(0).getIpBlock().getCidr());
                assertTrue(fromUsers.getPorts() == null || fromUsers.getPorts().isEmpty(), "the tunnels' ports");
            }

            NetworkPolicyIngressRule fromRelease = rules.get(0);
            assertEquals(1, fromRelease.getFrom().size());
            NetworkPolicyPeer release = fromRelease.getFrom().get(0);
            assertNull(release.getNamespaceSelector(), "the release's own namespace only");
            assertNull(release.getIpBlock());
            assertEquals(RELEASE_PODS, onlyMatchLabels(release.getPodSelector()), "every component's pods");
            if (component.equals("coordinator")) {
                // The tunnels listen on ports chosen at run time.
                assertTrue(
                        fromRelease.getPorts() == null || fromRelease.getPorts().isEmpty(), "any port");
            } else {
                assertOnlyHttp(fromRelease.getPorts(), component);
            }

            NetworkPolicyIngressRule fromController = rules.get(1);
            assertFalse(fromController.getFrom().isEmpty());
            for (NetworkPolicyPeer peer : fromController.getFrom()) {
                // ci's controllers live in namespaces of their own.
                assertTrue(peer.getNamespaceSelector() != null, "the controller's namespace, not the release's");
            }
            assertOnlyHttp(fromController.getPorts(), component);
        }
        for (Workload workload : workloads(objects)) {
            if (workload.kind().equals("Job")) {
                continue;
            }
            assertTrue(
                    policies.stream()
                            .anyMatch(p -> workload.selector()
                                    .getMatchLabels()
                                    .equals(p.getSpec().getPodSelector().getMatchLabels())),
                    workload.name() + " has its NetworkPolicy");
        }
    }

    @Test
    void theIngressControllerIsByDefaultAnyPodOfTheNamespaceIngressNginx() {
        NetworkPolicy policy =
                named(ofKind(render(CHART.resolve("ci/minimal-values.yaml")), NetworkPolicy.class), "-registry");
        List<NetworkPolicyPeer> controller =
                policy.getSpec().getIngress().get(1).getFrom();
        assertEquals(1, controller.size());
        assertEquals(
                Map.of("kubernetes.io/metadata.name", "ingress-nginx"),
                onlyMatchLabels(controller.get(0).getNamespaceSelector()));
        assertNull(controller.get(0).getPodSelector(), "every pod of that namespace");
    }

    @Test
    void theIngressControllerCanBeNamedByNamespaceAndPodLabels() {
        for (NetworkPolicy policy : ofKind(render(CHART.resolve("ci/production-values.yaml")), NetworkPolicy.class)) {
            List<NetworkPolicyPeer> controller =
                    policy.getSpec().getIngress().get(1).getFrom();
            assertEquals(1, controller.size(), "the values' list replaces the default");
            NetworkPolicyPeer peer = controller.get(0);
            assertEquals(Map.of("kubernetes.io/metadata.name", "edge"), onlyMatchLabels(peer.getNamespaceSelector()));
            assertEquals(
                    Map.of("app.kubernetes.io/name", "ingress-nginx", "app.kubernetes.io/component", "controller"),
                    onlyMatchLabels(peer.getPodSelector()),
                    "both selectors in one peer: those pods in that namespace");
        }
    }

    @Test
    void networkPoliciesCanBeTurnedOff() {
        List<HasMetadata> objects =
                render(CHART.resolve("ci/minimal-values.yaml"), Map.of("networkPolicy.enabled", "false"));
        assertTrue(ofKind(objects, NetworkPolicy.class).isEmpty());
        assertEquals(4, components(objects).size());
    }

    @Test
    void withNoIngressControllerOnlyTheReleasesPodsGetIn() {
        List<NetworkPolicy> policies = ofKind(
                render(
                        CHART.resolve("ci/minimal-values.yaml"),
                        Map.of("ingress.enabled", "false", "networkPolicy.ingressControllerFrom", "null")),
                NetworkPolicy.class);
        assertEquals(4, policies.size());
        for (NetworkPolicy policy : policies) {
            List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
            // The coordinator's rule for users (the instances' fwd) is not the controller's.
            boolean coordinator = policy.getMetadata().getName().endsWith("-coordinator");
            assertEquals(coordinator ? 2 : 1, rules.size(), policy.getMetadata().getName());
            assertEquals(
                    RELEASE_PODS, onlyMatchLabels(rules.get(0).getFrom().get(0).getPodSelector()));
        }
    }

    @Test
    void coordinatorsListenForTunnelsOnTheirPodAddress() {
        Workload coordinator = ofComponent(components(render(CHART.resolve("ci/minimal-values.yaml"))), "coordinator");
        EnvVar tunnelHost = env(coordinator.container()).get("RIGFLEET_COORDINATOR_TUNNEL_HOST");
        assertEquals("status.podIP", tunnelHost.getValueFrom().getFieldRef().getFieldPath());
    }

    @Test
    void eachCoordinatorTellsItsOwnAddressForItsTunnels() {
        Container coordinator = ofComponent(
                        components(render(CHART.resolve("ci/minimal-values.yaml"), Map.of("coordinator.port", "9184"))),
                        "coordinator")
                .container();
        Map<String, EnvVar> env = env(coordinator);
        assertEquals(
                "status.podIP", env.get("POD_IP").getValueFrom().getFieldRef().getFieldPath());
        assertEquals(
                "http://$(POD_IP):9184",
                env.get("RIGFLEET_COORDINATOR_INTERNAL_URL").getValue());
        // Kubernetes expands $(POD_IP) only from variables defined before it.
        List<String> names = coordinator.getEnv().stream().map(EnvVar::getName).toList();
        assertTrue(
                names.indexOf("POD_IP") < names.indexOf("RIGFLEET_COORDINATOR_INTERNAL_URL"),
                "POD_IP before the internal URL: " + names);
    }

    @Test
    void theCoordinatorMountsTheCloudCertificatesOnlyWhenGiven() {
        Workload coordinator = ofComponent(
                components(render(
                        CHART.resolve("ci/minimal-values.yaml"),
                        Map.of("coordinator.identityCertificatesSecret", "clouds"))),
                "coordinator");
        Volume certificates = coordinator.template().getSpec().getVolumes().stream()
                .filter(v ->
                        v.getSecret() != null && "clouds".equals(v.getSecret().getSecretName()))
                .findFirst()
                .orElseThrow();
        assertEquals(
                "/etc/rigfleet/identity",
                coordinator.container().getVolumeMounts().stream()
                        .filter(m -> m.getName().equals(certificates.getName()))
                        .findFirst()
                        .orElseThrow()
                        .getMountPath());
        Workload without = ofComponent(components(render(CHART.resolve("ci/minimal-values.yaml"))), "coordinator");
        assertTrue(without.container().getVolumeMounts().stream()
                .noneMatch(m -> m.getMountPath().equals("/etc/rigfleet/identity")));
    }

    @Test
    void instancesOpenTunnelsThroughTheCoordinatorServiceAndMakeFwdServicesOfTheConfiguredType() {
        Path values = CHART.resolve("ci/minimal-values.yaml");
        Map<String, EnvVar> env =
                env(ofComponent(components(render(values)), "instances").container());
        assertEquals(
                "http://rf-coordinator:8084",
                env.get("QUARKUS_REST_CLIENT_COORDINATOR_URL").getValue());
        assertEquals(
                "http://rf-coordinator:8084",
                env(ofComponent(components(render(values)), "registry").container())
                        .get("QUARKUS_REST_CLIENT_COORDINATOR_URL")
                        .getValue(),
                "the registry asks the coordinator for the agents' stats history");
        assertEquals("true", env.get("RIGFLEET_INSTANCES_KUBERNETES_ENABLED").getValue());
        assertEquals(
                "NodePort",
                env.get("RIGFLEET_INSTANCES_KUBERNETES_FWD_SERVICE_TYPE").getValue());
        assertEquals(
                "rf", env.get("RIGFLEET_INSTANCES_KUBERNETES_OBJECT_PREFIX").getValue(), "the installation");
        assertEquals(
                "metadata.namespace",
                env.get("RIGFLEET_INSTANCES_KUBERNETES_NAMESPACE")
                        .getValueFrom()
                        .getFieldRef()
                        .getFieldPath());
        assertEquals("198.51.100.20", env.get("RIGFLEET_INSTANCES_FWD_ADDRESS").getValue());
        Map<String, EnvVar> coordinator =
                env(ofComponent(components(render(values)), "coordinator").container());
        assertEquals(
                "metadata.name",
                coordinator
                        .get("RIGFLEET_COORDINATOR_POD_NAME")
                        .getValueFrom()
                        .getFieldRef()
                        .getFieldPath(),
                "the pod the fwd Services select, named with each tunnel");

        Map<String, EnvVar> balanced =
                env(ofComponent(components(render(CHART.resolve("ci/bundled-values.yaml"))), "instances")
                        .container());
        assertEquals(
                "LoadBalancer",
                balanced.get("RIGFLEET_INSTANCES_KUBERNETES_FWD_SERVICE_TYPE").getValue());
        assertFalse(balanced.containsKey("RIGFLEET_INSTANCES_FWD_ADDRESS"), "a load balancer has its own");
        assertRefusedNaming("instances.fwdAddress", values, Map.of("instances.fwdAddress", ""));

        List<HasMetadata> objects =
                render(values, Map.of("instances.fwdAddress", "203.0.113.7", "coordinator.port", "9184"));
        env = env(ofComponent(components(objects), "instances").container());
        assertEquals("203.0.113.7", env.get("RIGFLEET_INSTANCES_FWD_ADDRESS").getValue());
        assertEquals(
                "http://rf-coordinator:9184",
                env.get("QUARKUS_REST_CLIENT_COORDINATOR_URL").getValue());
        assertEquals(
                9184,
                named(ofKind(objects, Service.class), "-coordinator")
                        .getSpec()
                        .getPorts()
                        .get(0)
                        .getPort());
    }

    @Test
    void workspacesStartsCiInstancesThroughTheInstancesService() {
        Map<String, EnvVar> env = env(ofComponent(
                        components(render(CHART.resolve("ci/minimal-values.yaml"), Map.of("instances.port", "9182"))),
                        "workspaces")
                .container());
        assertEquals(
                "http://rf-instances:9182",
                env.get("QUARKUS_REST_CLIENT_INSTANCES_URL").getValue());
    }

    @Test
    void perComponentOverridesWinOverGlobalDefaults() {
        List<Workload> components = components(render(CHART.resolve("ci/production-values.yaml")));
        Workload registry = ofComponent(components, "registry");
        Container container = registry.container();
        assertEquals(
                "rigfleet-registry-secrets",
                env(container)
                        .get("RIGFLEET_REGISTRY_SECRETS_KEY")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName());
        assertEquals(
                "384Mi", container.getResources().getRequests().get("memory").toString());
        assertEquals(2, container.getReadinessProbe().getPeriodSeconds());
        assertEquals(3, container.getReadinessProbe().getFailureThreshold(), "the global value where not overridden");
        assertEquals(2, ofComponent(components, "coordinator").replicas());
        assertTrue(components.stream().noneMatch(c -> c.component().equals("instances")));
        Map<String, EnvVar> workspaces =
                env(ofComponent(components, "workspaces").container());
        assertEquals(
                "rigfleet-admin",
                workspaces
                        .get("RIGFLEET_WORKSPACES_BOOTSTRAP_ADMIN_PASSWORD")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName());
    }

    @Test
    void ingressRoutesExactlyTheAllowListedPrefixes() {
        Ingress ingress = ofKind(render(CHART.resolve("ci/minimal-values.yaml")), Ingress.class)
                .get(0);
        List<HTTPIngressPath> paths =
                ingress.getSpec().getRules().get(0).getHttp().getPaths();

        assertEquals(ALLOW_LIST, routes(paths));
        assertEquals(ALLOW_LIST.size(), paths.size(), "each prefix once");
        assertNull(ingress.getSpec().getDefaultBackend(), "no catch-all backend");
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void ingressNeverRoutesTheRootInternalOrQuarkusPaths(Path values) {
        for (Ingress ingress : ofKind(render(values), Ingress.class)) {
            assertNull(ingress.getSpec().getDefaultBackend(), "no catch-all backend");
            for (HTTPIngressPath path :
                    ingress.getSpec().getRules().get(0).getHttp().getPaths()) {
                String prefix = path.getPath();
                // Prefix matches whole segments; ImplementationSpecific could be anything the controller likes.
                // The one Exact path is "/" itself, never a prefix of anything.
                assertEquals(prefix.equals("/") ? "Exact" : "Prefix", path.getPathType(), prefix);
                assertTrue(ALLOW_LIST.containsKey(key(path)), prefix + " is not allow-listed");
                assertFalse(prefix.isEmpty(), "a catch-all path");
                assertFalse(segmentOf(prefix, "/internal") || segmentOf(prefix, "/q"), prefix);
            }
        }
    }

    @Test
    void ingressRoutesExactlyAsTheLocalEntryProxy() throws IOException {
        Ingress ingress = ofKind(render(CHART.resolve("ci/minimal-values.yaml")), Ingress.class)
                .get(0);

        assertEquals(
                nginxRoutes(),
                routes(ingress.getSpec().getRules().get(0).getHttp().getPaths()));
    }

    /** The routing table's samples land, by the Ingress's Prefix rules, where EntryProxyIT sees nginx send them. */
    @Test
    void theRoutingTableLandsWhereItSaysThroughTheIngressRules() {
        Ingress ingress = ofKind(render(CHART.resolve("ci/minimal-values.yaml")), Ingress.class)
                .get(0);
        Map<String, String> routes =
                routes(ingress.getSpec().getRules().get(0).getHttp().getPaths());
        RoutingTable.SAMPLES.forEach((path, expected) -> assertEquals(expected, landing(routes, path), path));
    }

    /**
     * Kubernetes' {@code Prefix} matching: a path matches a prefix equal to it or followed by {@code /}, element by
     * element; the longest matching prefix wins; nothing matching is refused.
     */
    private static String landing(Map<String, String> routes, String path) {
        return routes.entrySet().stream()
                .filter(route -> route.getKey().startsWith(EXACT)
                        ? path.equals(route.getKey().substring(EXACT.length()))
                        : path.equals(route.getKey()) || path.startsWith(route.getKey() + "/"))
                .max(Comparator.comparingInt(route -> route.getKey().length()))
                .map(Map.Entry::getValue)
                .orElse(RoutingTable.REFUSED);
    }

    @Test
    void missingRequiredValuesAreNamed() {
        Map<String, String> required = new LinkedHashMap<>();
        required.put("postgresql.host", "pg");
        required.put("postgresql.existingSecret", "db");
        required.put("redis.url", "redis://redis:6379");
        required.put("trustedProxies", "{10.0.0.0/8}");
        for (String missing : required.keySet()) {
            Map<String, String> sets = new LinkedHashMap<>(required);
            sets.remove(missing);
            assertRefusedNaming(missing, null, sets);
        }
        Path defaults = CHART.resolve("ci/minimal-values.yaml");
        assertRefusedNaming(
                "networkPolicy.ingressControllerFrom", defaults, Map.of("networkPolicy.ingressControllerFrom", "null"));
    }

    /** Rendering with the values file (if any) and the {@code --set}s fails, naming {@code value}. */
    private static void assertRefusedNaming(String value, Path values, Map<String, String> sets) {
        var template = new Helm(RENDERED).template();
        if (values != null) {
            template = template.withValuesFile(values);
        }
        sets.forEach(template::set);
        var rendering = template;
        IllegalStateException refused = assertThrows(IllegalStateException.class, rendering::call, value);
        assertTrue(refused.getMessage().contains(value), refused.getMessage());
    }

    private static List<HasMetadata> render(Path values) {
        return render(values, Map.of());
    }

    private static Path hooksAsObjects() {
        try {
            Path copy = Files.createTempDirectory("rigfleet-chart");
            try (Stream<Path> files = Files.walk(CHART)) {
                for (Path file : files.toList()) {
                    Path target = copy.resolve(CHART.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
            Path keys = copy.resolve("templates/keys.yaml");
            String template = Files.readString(keys);
            assertTrue(template.contains('"' + HOOK + '"'), "keys.yaml names the hook annotation");
            Files.writeString(keys, template.replace('"' + HOOK + '"', '"' + HOOK_AS_RENDERED + '"'));
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renders the release "rf" with a values file and then {@code --set} each entry of {@code sets}. */
    private static List<HasMetadata> render(Path values, Map<String, String> sets) {
        var template = new Helm(RENDERED).template().withName("rf").withValuesFile(values);
        sets.forEach(template::set);
        return parse(template.call());
    }

    private static List<HasMetadata> parse(String manifest) {
        return Arrays.stream(manifest.split("(?m)^---\\s*$"))
                .filter(document -> document.contains("kind:"))
                .map(document -> (HasMetadata) YAML.unmarshal(document))
                .toList();
    }

    /**
     * The {@code location ~ ^<prefix>(/|$) { proxy_pass http://<component>; ...} blocks of deploy/nginx.conf.template,
     * which must be its only routes to a service.
     */
    private static Map<String, String> nginxRoutes() throws IOException {
        String template = Files.readString(ROOT.resolve("deploy/nginx.conf.template"));
        Matcher route = Pattern.compile("location ~ \\^(/[^\\s(]+)\\(/\\|\\$\\)\\s+\\{\\s*proxy_pass http://([a-z]+);")
                .matcher(template);
        Map<String, String> routes = new HashMap<>();
        while (route.find()) {
            assertNull(routes.put(route.group(1), route.group(2)), "routed twice: " + route.group(1));
        }
        Matcher exact = Pattern.compile("location = (/\\S*)\\s+\\{\\s*proxy_pass http://([a-z]+);")
                .matcher(template);
        while (exact.find()) {
            assertNull(routes.put(EXACT + exact.group(1), exact.group(2)), "routed twice: " + exact.group(1));
        }
        assertEquals(
                routes.size(),
                template.split("proxy_pass", -1).length - 1,
                "a proxy_pass outside the allow-list's form");
        return routes;
    }

    private static Map<String, String> routes(List<HTTPIngressPath> paths) {
        return paths.stream()
                .collect(Collectors.toMap(
                        ChartTest::key,
                        path -> component(path.getBackend().getService().getName())));
    }

    /** Whether the path is {@code top} or lies under it, by whole segments ({@code /queuelen} is not under {@code /q}). */
    private static boolean segmentOf(String path, String top) {
        return path.equals(top) || path.startsWith(top + "/");
    }

    private static String key(HTTPIngressPath path) {
        return "Exact".equals(path.getPathType()) ? EXACT + path.getPath() : path.getPath();
    }

    private static String component(String serviceName) {
        return serviceName.substring("rf-".length());
    }

    private static <T> List<T> ofKind(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    private static <T extends HasMetadata> T named(List<T> objects, String suffix) {
        return objects.stream()
                .filter(d -> d.getMetadata().getName().endsWith(suffix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("nothing named *" + suffix));
    }

    /** A Deployment's, StatefulSet's or Job's pods, as the checks read them. */
    private record Workload(
            String kind,
            String name,
            Map<String, String> annotations,
            LabelSelector selector,
            PodTemplateSpec template,
            Integer replicas) {

        String component() {
            return labels().get("app.kubernetes.io/component");
        }

        Map<String, String> labels() {
            return template.getMetadata().getLabels();
        }

        Container container() {
            return template.getSpec().getContainers().get(0);
        }
    }

    private static List<Workload> workloads(List<HasMetadata> objects) {
        List<Workload> workloads = new ArrayList<>();
        for (HasMetadata object : objects) {
            String name = object.getMetadata().getName();
            Map<String, String> annotations = object.getMetadata().getAnnotations() == null
                    ? Map.of()
                    : object.getMetadata().getAnnotations();
            if (object instanceof Deployment d) {
                workloads.add(new Workload(
                        "Deployment",
                        name,
                        annotations,
                        d.getSpec().getSelector(),
                        d.getSpec().getTemplate(),
                        d.getSpec().getReplicas()));
            } else if (object instanceof StatefulSet s) {
                workloads.add(new Workload(
                        "StatefulSet",
                        name,
                        annotations,
                        s.getSpec().getSelector(),
                        s.getSpec().getTemplate(),
                        s.getSpec().getReplicas()));
            } else if (object instanceof Job j) {
                workloads.add(new Workload(
                        "Job",
                        name,
                        annotations,
                        j.getSpec().getSelector(),
                        j.getSpec().getTemplate(),
                        null));
            }
        }
        return workloads;
    }

    /** The four services of rigfleet (not the bundled databases, not the key Job). */
    private static List<Workload> components(List<HasMetadata> objects) {
        return workloads(objects).stream()
                .filter(w -> COMPONENTS.contains(w.component()))
                .toList();
    }

    /** Everything that runs a rigfleet image: the components and the key Job. */
    private static List<Workload> rigfleetWorkloads(List<HasMetadata> objects) {
        return workloads(objects).stream()
                .filter(w -> COMPONENTS.contains(w.component()) || w.component().equals("keygen"))
                .toList();
    }

    private static Optional<Workload> keyJob(List<HasMetadata> objects) {
        return workloads(objects).stream().filter(w -> w.kind().equals("Job")).findFirst();
    }

    private static Workload ofComponent(List<Workload> workloads, String component) {
        return workloads.stream()
                .filter(w -> w.component().equals(component))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + component));
    }

    private static SecretVolumeSource jwtVolume(Workload workload) {
        return workload.template().getSpec().getVolumes().stream()
                .filter(v -> v.getName().equals("jwt"))
                .findFirst()
                .orElseThrow()
                .getSecret();
    }

    /** A Secret a pod reads, and the key (null: the whole Secret, as a volume without items). */
    private record SecretRead(String secret, String key) {}

    private static List<SecretRead> secretReads(PodSpec pod) {
        List<SecretRead> reads = new ArrayList<>();
        for (Container container : pod.getContainers()) {
            for (EnvVar variable : container.getEnv() == null ? List.<EnvVar>of() : container.getEnv()) {
                if (variable.getValueFrom() != null && variable.getValueFrom().getSecretKeyRef() != null) {
                    SecretKeySelector ref = variable.getValueFrom().getSecretKeyRef();
                    reads.add(new SecretRead(ref.getName(), ref.getKey()));
                }
            }
        }
        for (Volume volume : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
            SecretVolumeSource secret = volume.getSecret();
            if (secret == null) {
                continue;
            }
            if (secret.getItems() == null || secret.getItems().isEmpty()) {
                reads.add(new SecretRead(secret.getSecretName(), null));
            } else {
                secret.getItems().forEach(item -> reads.add(new SecretRead(secret.getSecretName(), item.getKey())));
            }
        }
        return reads;
    }

    /** The Secrets a values file names as the operator's own, each with the keys values.yaml says it holds. */
    @SuppressWarnings("unchecked")
    private static Map<String, Set<String>> operatorSecrets(Path values) throws IOException {
        Map<String, Object> tree = YAML.unmarshal(Files.readString(values), Map.class);
        Map<String, Set<String>> secrets = new HashMap<>();
        OPERATOR_SECRETS.forEach((path, keys) -> {
            Object value = tree;
            for (String step : path.split("\\.")) {
                value = value instanceof Map<?, ?> map ? map.get(step) : null;
            }
            if (value instanceof String name && !name.isEmpty()) {
                secrets.merge(name, keys, (a, b) -> {
                    Set<String> both = new HashSet<>(a);
                    both.addAll(b);
                    return both;
                });
            }
        });
        return secrets;
    }

    /** A selector's labels, after checking it has no expressions that would widen or narrow it. */
    private static Map<String, String> onlyMatchLabels(LabelSelector selector) {
        assertTrue(selector != null, "a selector");
        assertTrue(
                selector.getMatchExpressions() == null
                        || selector.getMatchExpressions().isEmpty(),
                "matchLabels only");
        return selector.getMatchLabels();
    }

    private static void assertOnlyHttp(List<NetworkPolicyPort> ports, String component) {
        assertTrue(ports != null && ports.size() == 1, component + ": the http port only");
        assertEquals("http", ports.get(0).getPort().getStrVal(), component);
        assertEquals("TCP", ports.get(0).getProtocol(), component);
        assertNull(ports.get(0).getEndPort(), component);
    }

    private static Map<String, EnvVar> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }
}

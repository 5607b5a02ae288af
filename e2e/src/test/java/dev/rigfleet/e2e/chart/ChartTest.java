package dev.rigfleet.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import dev.rigfleet.e2e.RoutingTable;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyDeploymentIsWiredAndProbed(Path values) {
        List<HasMetadata> objects = render(values);
        List<Deployment> deployments = ofKind(objects, Deployment.class);
        assertFalse(deployments.isEmpty());
        for (Deployment deployment : deployments) {
            Container container =
                    deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
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
                    deployment.getSpec().getSelector().getMatchLabels().get("app.kubernetes.io/component"),
                    deployment.getSpec().getTemplate().getMetadata().getLabels().get("app.kubernetes.io/component"));
        }
        assertEquals(deployments.size(), ofKind(objects, Service.class).size(), "one Service per Deployment");
    }

    @Test
    void onlyWorkspacesAndTheCoordinatorSign() {
        List<Deployment> deployments = ofKind(render(CHART.resolve("ci/default-values.yaml")), Deployment.class);
        assertEquals(4, deployments.size());
        for (Deployment deployment : deployments) {
            String component = componentOf(deployment);
            assertEquals(
                    component.equals("workspaces") || component.equals("coordinator"),
                    env(container(deployment)).containsKey("SMALLRYE_JWT_SIGN_KEY_LOCATION"),
                    component);
        }
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void theDatabaseUsersGetTheSameDatasourceAndNoOneElseDoes(Path values) {
        List<Deployment> deployments = ofKind(render(values), Deployment.class);
        Set<String> withDatasource = deployments.stream()
                .filter(d -> env(container(d)).containsKey("QUARKUS_DATASOURCE_REACTIVE_URL"))
                .map(ChartTest::componentOf)
                .collect(Collectors.toSet());
        Set<String> deployed = deployments.stream().map(ChartTest::componentOf).collect(Collectors.toSet());
        assertEquals(POSTGRES_USERS.stream().filter(deployed::contains).collect(Collectors.toSet()), withDatasource);
        for (Deployment deployment : deployments) {
            Map<String, EnvVar> env = env(container(deployment));
            String component = componentOf(deployment);
            if (!POSTGRES_USERS.contains(component)) {
                for (String key : DATASOURCE_ENV) {
                    assertFalse(env.containsKey(key), component + " gets " + key);
                }
                continue;
            }
            assertEquals(
                    "postgresql://postgres.db.svc:5432/rigfleet",
                    env.get("QUARKUS_DATASOURCE_REACTIVE_URL").getValue(),
                    component);
            assertEquals(
                    "jdbc:postgresql://postgres.db.svc:5432/rigfleet",
                    env.get("QUARKUS_DATASOURCE_JDBC_URL").getValue(),
                    component);
            assertEquals("rigfleet", env.get("QUARKUS_DATASOURCE_USERNAME").getValue(), component);
            EnvVar password = env.get("QUARKUS_DATASOURCE_PASSWORD");
            assertNull(password.getValue(), "the password only from the Secret");
            assertEquals(
                    "rigfleet-db", password.getValueFrom().getSecretKeyRef().getName(), component);
            assertEquals("password", password.getValueFrom().getSecretKeyRef().getKey(), component);
        }
    }

    @Test
    void theDatasourceFollowsThePostgresqlValues() {
        List<Deployment> deployments = ofKind(
                render(
                        CHART.resolve("ci/default-values.yaml"),
                        Map.ofEntries(
                                Map.entry("postgresql.host", "pg.example.org"),
                                Map.entry("postgresql.port", "6432"),
                                Map.entry("postgresql.username", "rf"))),
                Deployment.class);
        for (String component : POSTGRES_USERS) {
            Map<String, EnvVar> env = env(container(named(deployments, "-" + component)));
            assertEquals(
                    "postgresql://pg.example.org:6432/rigfleet",
                    env.get("QUARKUS_DATASOURCE_REACTIVE_URL").getValue());
            assertEquals(
                    "jdbc:postgresql://pg.example.org:6432/rigfleet",
                    env.get("QUARKUS_DATASOURCE_JDBC_URL").getValue());
            assertEquals("rf", env.get("QUARKUS_DATASOURCE_USERNAME").getValue());
        }
    }

    @Test
    void imagesDefaultToTheGlobalRegistryAndTheChartsAppVersion() {
        for (Deployment deployment : ofKind(render(CHART.resolve("ci/default-values.yaml")), Deployment.class)) {
            Container container = container(deployment);
            assertEquals(
                    "registry.example.com/rigfleet/rigfleet-" + componentOf(deployment) + ":0.1.0-SNAPSHOT",
                    container.getImage());
            assertEquals("IfNotPresent", container.getImagePullPolicy());
        }
    }

    @Test
    void aComponentsImageOverridesTheGlobalImageKeyByKey() {
        List<Deployment> deployments = ofKind(render(CHART.resolve("ci/scaled-values.yaml")), Deployment.class);
        Container coordinator = container(named(deployments, "-coordinator"));
        assertEquals("mirror.example.org/rigfleet/coordinator:1.2.1-hotfix", coordinator.getImage());
        assertEquals("Always", coordinator.getImagePullPolicy());
        Container registry = container(named(deployments, "-registry"));
        assertEquals("registry.example.org/rigs/rigfleet-registry:1.2.1", registry.getImage(), "only the tag");
        assertEquals("IfNotPresent", registry.getImagePullPolicy());
        Container workspaces = container(named(deployments, "-workspaces"));
        assertEquals("registry.example.org/rigs/rigfleet-workspaces:1.2.0", workspaces.getImage(), "no override");
    }

    @ParameterizedTest
    @MethodSource("valuesFiles")
    void everyComponentAcceptsOnlyTheReleasesPodsAndTheIngressController(Path values) {
        List<HasMetadata> objects = render(values);
        List<Deployment> deployments = ofKind(objects, Deployment.class);
        List<NetworkPolicy> policies = ofKind(objects, NetworkPolicy.class);
        assertEquals(deployments.size(), policies.size(), "one NetworkPolicy per Deployment");
        for (Deployment deployment : deployments) {
            String component = componentOf(deployment);
            Map<String, String> pods = deployment.getSpec().getSelector().getMatchLabels();
            List<NetworkPolicy> selecting = policies.stream()
                    .filter(p -> pods.equals(p.getSpec().getPodSelector().getMatchLabels()))
                    .toList();
            assertEquals(1, selecting.size(), component);
            NetworkPolicy policy = selecting.get(0);
            assertEquals(List.of("Ingress"), policy.getSpec().getPolicyTypes(), component);
            List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
            assertEquals(2, rules.size(), component);

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
    }

    @Test
    void theIngressControllerIsByDefaultAnyPodOfTheNamespaceIngressNginx() {
        NetworkPolicy policy = ofKind(render(CHART.resolve("ci/default-values.yaml")), NetworkPolicy.class)
                .get(0);
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
        for (NetworkPolicy policy : ofKind(render(CHART.resolve("ci/scaled-values.yaml")), NetworkPolicy.class)) {
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
                render(CHART.resolve("ci/default-values.yaml"), Map.of("networkPolicy.enabled", "false"));
        assertTrue(ofKind(objects, NetworkPolicy.class).isEmpty());
        assertEquals(4, ofKind(objects, Deployment.class).size());
    }

    @Test
    void withNoIngressControllerOnlyTheReleasesPodsGetIn() {
        List<NetworkPolicy> policies = ofKind(
                render(
                        CHART.resolve("ci/default-values.yaml"),
                        Map.of("ingress.enabled", "false", "networkPolicy.ingressControllerFrom", "null")),
                NetworkPolicy.class);
        assertEquals(4, policies.size());
        for (NetworkPolicy policy : policies) {
            List<NetworkPolicyIngressRule> rules = policy.getSpec().getIngress();
            assertEquals(1, rules.size(), policy.getMetadata().getName());
            assertEquals(
                    RELEASE_PODS, onlyMatchLabels(rules.get(0).getFrom().get(0).getPodSelector()));
        }
    }

    @Test
    void coordinatorsListenForTunnelsOnTheirPodAddress() {
        Deployment coordinator =
                named(ofKind(render(CHART.resolve("ci/default-values.yaml")), Deployment.class), "-coordinator");
        EnvVar tunnelHost = env(coordinator
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0))
                .get("RIGFLEET_COORDINATOR_TUNNEL_HOST");
        assertEquals("status.podIP", tunnelHost.getValueFrom().getFieldRef().getFieldPath());
    }

    @Test
    void eachCoordinatorTellsItsOwnAddressForItsTunnels() {
        Container coordinator = container(named(
                ofKind(
                        render(CHART.resolve("ci/default-values.yaml"), Map.of("coordinator.port", "9184")),
                        Deployment.class),
                "-coordinator"));
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
    void instancesOpenTunnelsThroughTheCoordinatorServiceAndReportTheFwdAddressOnlyWhenSet() {
        Path values = CHART.resolve("ci/default-values.yaml");
        Map<String, EnvVar> env = env(container(named(ofKind(render(values), Deployment.class), "-instances")));
        assertEquals(
                "http://rf-coordinator:8084",
                env.get("QUARKUS_REST_CLIENT_COORDINATOR_URL").getValue());
        assertFalse(env.containsKey("RIGFLEET_INSTANCES_FWD_ADDRESS"), "unset: the tunnel's own host");

        List<HasMetadata> objects =
                render(values, Map.of("instances.fwdAddress", "203.0.113.7", "coordinator.port", "9184"));
        env = env(container(named(ofKind(objects, Deployment.class), "-instances")));
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
    void perComponentOverridesWinOverGlobalDefaults() {
        List<Deployment> deployments = ofKind(render(CHART.resolve("ci/scaled-values.yaml")), Deployment.class);
        Deployment registry = named(deployments, "-registry");
        Container container =
                registry.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals(2, registry.getSpec().getReplicas());
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
        assertTrue(deployments.stream().noneMatch(d -> d.getMetadata().getName().endsWith("-instances")));
        Map<String, EnvVar> workspaces = env(named(deployments, "-workspaces")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0));
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
        Ingress ingress = ofKind(render(CHART.resolve("ci/default-values.yaml")), Ingress.class)
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
        Ingress ingress = ofKind(render(CHART.resolve("ci/default-values.yaml")), Ingress.class)
                .get(0);

        assertEquals(
                nginxRoutes(),
                routes(ingress.getSpec().getRules().get(0).getHttp().getPaths()));
    }

    /** The routing table's samples land, by the Ingress's Prefix rules, where EntryProxyIT sees nginx send them. */
    @Test
    void theRoutingTableLandsWhereItSaysThroughTheIngressRules() {
        Ingress ingress = ofKind(render(CHART.resolve("ci/default-values.yaml")), Ingress.class)
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
        required.put("jwt.existingSecret", "jwt");
        required.put("serviceIdentity.existingSecret", "services");
        required.put("trustedProxies", "{10.0.0.0/8}");
        for (String missing :
                List.of("jwt.existingSecret", "serviceIdentity.existingSecret", "trustedProxies", "redis.url")) {
            Map<String, String> sets = new LinkedHashMap<>(required);
            sets.remove(missing);
            assertRefusedNaming(missing, null, sets);
        }
        Path defaults = CHART.resolve("ci/default-values.yaml");
        assertRefusedNaming(
                "networkPolicy.ingressControllerFrom", defaults, Map.of("networkPolicy.ingressControllerFrom", "null"));
        assertRefusedNaming("postgresql.host", defaults, Map.of("workspaces.enabled", "false", "postgresql.host", ""));
    }

    /** Rendering with the values file (if any) and the {@code --set}s fails, naming {@code value}. */
    private static void assertRefusedNaming(String value, Path values, Map<String, String> sets) {
        var template = new Helm(CHART).template();
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

    /** Renders the release "rf" with a values file and then {@code --set} each entry of {@code sets}. */
    private static List<HasMetadata> render(Path values, Map<String, String> sets) {
        var template = new Helm(CHART).template().withName("rf").withValuesFile(values);
        sets.forEach(template::set);
        String manifest = template.call();
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
                .orElseThrow();
    }

    private static String componentOf(Deployment deployment) {
        return component(deployment.getMetadata().getName());
    }

    private static Container container(Deployment deployment) {
        return deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
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

package dev.rigfleet.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    /**
     * The public prefixes and their services, as templates/ingress.yaml and deploy/nginx.conf.template list them
     * (and e2e's EntryProxyIT tries them): the three change together.
     */
    private static final Map<String, String> ALLOW_LIST = Map.ofEntries(
            Map.entry("/token", "workspaces"),
            Map.entry("/revoke", "workspaces"),
            Map.entry("/purge", "workspaces"),
            Map.entry("/users", "workspaces"),
            Map.entry("/fleets", "registry"),
            Map.entry("/devices", "registry"),
            Map.entry("/supervisor", "registry"),
            Map.entry("/supervisor-commands", "registry"),
            Map.entry("/provision", "registry"),
            Map.entry("/new", "instances"),
            Map.entry("/terminate", "instances"),
            Map.entry("/instances", "instances"),
            Map.entry("/instance", "instances"),
            Map.entry("/firewall", "instances"),
            Map.entry("/vpn", "instances"),
            Map.entry("/api/v2/workspaceagents", "coordinator"));

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
    void onlyWorkspacesAndTheCoordinatorSignAndOnlyWorkspacesTalksToPostgres() {
        List<Deployment> deployments = ofKind(render(CHART.resolve("ci/default-values.yaml")), Deployment.class);
        for (Deployment deployment : deployments) {
            Map<String, EnvVar> env = env(
                    deployment.getSpec().getTemplate().getSpec().getContainers().get(0));
            boolean workspaces = deployment.getMetadata().getName().endsWith("-workspaces");
            boolean signs = workspaces || deployment.getMetadata().getName().endsWith("-coordinator");
            assertEquals(
                    signs,
                    env.containsKey("SMALLRYE_JWT_SIGN_KEY_LOCATION"),
                    deployment.getMetadata().getName());
            assertEquals(workspaces, env.containsKey("QUARKUS_DATASOURCE_REACTIVE_URL"));
        }
        Deployment workspaces = named(deployments, "-workspaces");
        Map<String, EnvVar> env =
                env(workspaces.getSpec().getTemplate().getSpec().getContainers().get(0));
        assertEquals(
                "postgresql://postgres.db.svc:5432/rigfleet",
                env.get("QUARKUS_DATASOURCE_REACTIVE_URL").getValue());
        assertEquals(
                "rigfleet-db",
                env.get("QUARKUS_DATASOURCE_PASSWORD")
                        .getValueFrom()
                        .getSecretKeyRef()
                        .getName());
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
                assertEquals("Prefix", path.getPathType(), prefix);
                assertTrue(ALLOW_LIST.containsKey(prefix), prefix + " is not allow-listed");
                assertFalse(prefix.equals("/") || prefix.isEmpty(), "a catch-all path");
                assertFalse(prefix.startsWith("/internal") || prefix.startsWith("/q"), prefix);
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

    @Test
    void missingRequiredValuesAreNamed() {
        IllegalStateException noKeys = assertThrows(
                IllegalStateException.class,
                () -> new Helm(CHART)
                        .template()
                        .set("postgresql.host", "pg")
                        .set("postgresql.existingSecret", "db")
                        .set("redis.url", "redis://redis:6379")
                        .set("serviceIdentity.existingSecret", "services")
                        .set("trustedProxies", "{10.0.0.0/8}")
                        .call());
        assertTrue(noKeys.getMessage().contains("jwt.existingSecret"), noKeys.getMessage());

        IllegalStateException noServiceKey = assertThrows(
                IllegalStateException.class,
                () -> new Helm(CHART)
                        .template()
                        .set("postgresql.host", "pg")
                        .set("postgresql.existingSecret", "db")
                        .set("redis.url", "redis://redis:6379")
                        .set("jwt.existingSecret", "jwt")
                        .call());
        assertTrue(noServiceKey.getMessage().contains("serviceIdentity.existingSecret"), noServiceKey.getMessage());

        IllegalStateException noProxies = assertThrows(
                IllegalStateException.class,
                () -> new Helm(CHART)
                        .template()
                        .set("postgresql.host", "pg")
                        .set("postgresql.existingSecret", "db")
                        .set("redis.url", "redis://redis:6379")
                        .set("jwt.existingSecret", "jwt")
                        .set("serviceIdentity.existingSecret", "services")
                        .call());
        assertTrue(noProxies.getMessage().contains("trustedProxies"), noProxies.getMessage());

        IllegalStateException noRedis = assertThrows(
                IllegalStateException.class,
                () -> new Helm(CHART)
                        .template()
                        .set("postgresql.host", "pg")
                        .set("postgresql.existingSecret", "db")
                        .set("jwt.existingSecret", "jwt")
                        .call());
        assertTrue(noRedis.getMessage().contains("redis.url"), noRedis.getMessage());
    }

    private static List<HasMetadata> render(Path values) {
        String manifest =
                new Helm(CHART).template().withName("rf").withValuesFile(values).call();
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
        assertEquals(
                routes.size(),
                template.split("proxy_pass", -1).length - 1,
                "a proxy_pass outside the allow-list's form");
        return routes;
    }

    private static Map<String, String> routes(List<HTTPIngressPath> paths) {
        return paths.stream()
                .collect(Collectors.toMap(
                        HTTPIngressPath::getPath,
                        path -> component(path.getBackend().getService().getName())));
    }

    private static String component(String serviceName) {
        return serviceName.substring("rf-".length());
    }

    private static <T> List<T> ofKind(List<HasMetadata> objects, Class<T> kind) {
        return objects.stream().filter(kind::isInstance).map(kind::cast).toList();
    }

    private static Deployment named(List<Deployment> deployments, String suffix) {
        return deployments.stream()
                .filter(d -> d.getMetadata().getName().endsWith(suffix))
                .findFirst()
                .orElseThrow();
    }

    private static Map<String, EnvVar> env(Container container) {
        return container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }
}

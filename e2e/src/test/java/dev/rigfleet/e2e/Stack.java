package dev.rigfleet.e2e;

import dev.rigfleet.common.testing.TestKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The platform as e2e tests see it: a private Redis, a database of its own on the real PostgreSQL (a schema per
 * service), one workspaces replica (tests start more), two registry and two coordinator replicas, all packaged jars in
 * processes of their own. Started once per test JVM and
 * shared by every test, stopped when the JVM exits.
 */
final class Stack {

    /**
     * The VPN address the .ovpn files name: the machine's side of a user's machine that a test makes (its veth /30),
     * which the instance's own client reaches from the device's namespace too.
     */
    static final String VPN_ADDRESS = "10.217.251.1";

    static final Path ROOT =
            Path.of(System.getProperty("rigfleet.root", "..")).toAbsolutePath().normalize();
    static final Path LOGS = ROOT.resolve("e2e/target/e2e-logs");
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = "e2e-admin-password";
    /** GET /fleets allowance per user and window on the registries, small enough to exhaust in a test. */
    static final int FLEETS_LIMIT = 5;
    /** How long the supervisor proxy waits for a device: short, so that a frozen device's test ends soon. */
    static final Duration PROXY_TIMEOUT = Duration.ofSeconds(5);
    /** How long an instance may stay INIT in the e2e stack. */
    static final Duration INIT_TIMEOUT = Duration.ofSeconds(20);

    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(4);

    static final String POSTGRES = System.getProperty("rigfleet.test.postgres", "127.0.0.1:5432");
    static final String PG_USER = System.getProperty("rigfleet.test.postgres.user", "rigfleet");
    static final String PG_PASSWORD = System.getProperty("rigfleet.test.postgres.password", "rigfleet");
    private static Stack started;

    final RedisServer redis = new RedisServer();
    final String database =
            "rigfleet_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    ServiceProcess workspaces;
    ServiceProcess registryA;
    ServiceProcess registryB;
    ServiceProcess coordinatorA;
    ServiceProcess coordinatorB;
    /** The Redis key prefix of this stack, for tests that speak to Redis as a service would. */
    String keyPrefix;

    private Map<String, String> coordinatorConfig;
    private Map<String, String> workspacesConfig;
    private Map<String, String> instancesConfig;
    private ServiceProcess instances;
    private int instancesPort;

    static synchronized Stack get() {
        if (started == null) {
            started = new Stack();
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop));
            started.start();
        }
        return started;
    }

    private void start() {
        try {
            Files.createDirectories(LOGS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        redis.start();
        admin("CREATE DATABASE " + database);
        Map<String, String> shared = new HashMap<>();
        shared.put("quarkus.redis.hosts", redis.url());
        keyPrefix = "e2e-" + UUID.randomUUID().toString().substring(0, 8) + ":";
        shared.put("rigfleet.redis.key-prefix", keyPrefix);
        shared.put(
                "mp.jwt.verify.publickey.location",
                TestKeys.publicKeyFile().toUri().toString());
        shared.put("rigfleet.service-identity.key", TestKeys.serviceKey());
        shared.put("rigfleet.rate-limit.limit", "100000");
        // Reconnect fast after the Redis restart test; production waits up to 5 s.
        shared.put("rigfleet.bus.max-reconnect-delay", "1s");

        // One database, a schema per service, as in an installation.
        Map<String, String> withDatabase = new HashMap<>(shared);
        withDatabase.put("quarkus.datasource.reactive.url", "postgresql://" + POSTGRES + "/" + database);
        withDatabase.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + POSTGRES + "/" + database);
        withDatabase.put("quarkus.datasource.username", PG_USER);
        withDatabase.put("quarkus.datasource.password", PG_PASSWORD);

        // The workspaces replicas ask the registry about owners' devices, and the registry asks them for the
        // revocation list at its start: the registry's port is picked first so that each knows the other.
        int registryAPort = Ports.free();
        // The registries ask a coordinator for the agents' stats history; it starts after them.
        int coordinatorAPort = Ports.free();
        // CI jobs ask the instances service for their instances, which starts later, for the first test that asks.
        instancesPort = Ports.free();
        workspacesConfig = new HashMap<>(withDatabase);
        workspacesConfig.put("quarkus.rest-client.registry.url", "http://127.0.0.1:" + registryAPort);
        workspacesConfig.put("quarkus.rest-client.instances.url", "http://127.0.0.1:" + instancesPort);
        workspacesConfig.put("rigfleet.ci.allow-file-urls", "true");
        workspacesConfig.put(
                "smallrye.jwt.sign.key.location",
                TestKeys.privateKeyFile().toUri().toString());
        workspacesConfig.put("rigfleet.workspaces.bcrypt-cost", "4");
        workspacesConfig.put("rigfleet.workspaces.bootstrap-admin.username", ADMIN);
        workspacesConfig.put("rigfleet.workspaces.bootstrap-admin.password", ADMIN_PASSWORD);
        workspacesConfig.put("rigfleet.rate-limit.classes.auth.limit", "100000");
        // The tests' callback receivers listen on plain http on loopback, which only these settings allow.
        workspacesConfig.put("rigfleet.eurl.allow-insecure", "true");
        workspacesConfig.put("rigfleet.eurl.allowed-hosts", "127.0.0.1");
        workspacesConfig.put("rigfleet.eurl.poll-interval", "500ms");
        // A replica killed by a test hands its periodic jobs to the next one within seconds, not the 15 s default.
        workspacesConfig.put("rigfleet.leadership.term", "3s");
        workspacesConfig.put("rigfleet.leadership.renew-interval", "1s");
        workspaces = ServiceProcess.start("workspaces", "workspaces", workspacesConfig);

        Map<String, String> registryConfig = new HashMap<>(withDatabase);
        registryConfig.put("quarkus.rest-client.revocations.url", workspaces.url());
        registryConfig.put("quarkus.rest-client.coordinator.url", "http://127.0.0.1:" + coordinatorAPort);
        registryConfig.put("rigfleet.registry.secrets-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        registryConfig.put("rigfleet.rate-limit.classes.fleets.path-prefixes", "/fleets");
        registryConfig.put("rigfleet.rate-limit.classes.fleets.limit", String.valueOf(FLEETS_LIMIT));
        registryConfig.put("rigfleet.registry.proxy-timeout", PROXY_TIMEOUT.toSeconds() + "s");
        registryA = ServiceProcess.start("registry", "registry-a", registryAPort, registryConfig);
        registryB = ServiceProcess.start("registry", "registry-b", registryConfig);

        instancesConfig = new HashMap<>(withDatabase);
        instancesConfig.put("quarkus.rest-client.revocations.url", workspaces.url());
        instancesConfig.put("quarkus.rest-client.workspaces.url", workspaces.url());
        instancesConfig.put("rigfleet.instances.secrets-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
        instancesConfig.put("rigfleet.instances.init-timeout", INIT_TIMEOUT.toSeconds() + "s");
        instancesConfig.put("rigfleet.instances.keepalive-timeout", KEEPALIVE_TIMEOUT.toSeconds() + "s");
        instancesConfig.put("rigfleet.instances.sweep-interval", "1s");
        instancesConfig.put("rigfleet.leadership.term", "3s");
        instancesConfig.put("rigfleet.leadership.renew-interval", "1s");
        instancesConfig.put("rigfleet.instances.vpn.address", VPN_ADDRESS);

        coordinatorConfig = new HashMap<>(shared);
        coordinatorConfig.put("quarkus.rest-client.revocations.url", workspaces.url());
        coordinatorConfig.put("quarkus.rest-client.registry.url", registryA.url());
        coordinatorConfig.put("rigfleet.coordinator.report-interval", "1s");
        // A stats sample every flush (5 s), so that a test sees a device's history grow.
        coordinatorConfig.put("rigfleet.coordinator.stats-history-interval", "1s");
        coordinatorConfig.put(
                "smallrye.jwt.sign.key.location",
                TestKeys.privateKeyFile().toUri().toString());
        coordinatorA = ServiceProcess.start("coordinator", "coordinator-a", coordinatorAPort, coordinatorConfig);
        coordinatorB = ServiceProcess.start("coordinator", "coordinator-b", coordinatorConfig);
    }

    /** A connection to the stack's database, for tests that check what the services stored. */
    Connection database() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + POSTGRES + "/" + database, PG_USER, PG_PASSWORD);
    }

    /** The instances service, started for the first test that asks for it. */
    synchronized ServiceProcess instances() {
        if (instances == null) {
            instancesConfig.put("quarkus.rest-client.coordinator.url", coordinatorA.url());
            instances = ServiceProcess.start("instances", "instances", instancesPort, instancesConfig);
        }
        return instances;
    }

    /** Another workspaces replica on the stack's database and Redis, for the tests of what replicas share. */
    ServiceProcess startWorkspacesReplica(String name) {
        return ServiceProcess.start("workspaces", name, workspacesConfig);
    }

    /**
     * Starts again a coordinator replica a test stopped, so that the tests after it find both: on its old port, since
     * the instances service and the entry proxies were given its address when they started.
     */
    synchronized void restartStoppedCoordinators() {
        if (!coordinatorA.isAlive()) {
            coordinatorA = ServiceProcess.start(
                    "coordinator", "coordinator-a-restarted", coordinatorA.port(), coordinatorConfig);
        }
        if (!coordinatorB.isAlive()) {
            coordinatorB = ServiceProcess.start(
                    "coordinator", "coordinator-b-restarted", coordinatorB.port(), coordinatorConfig);
        }
    }

    private void stop() {
        for (AutoCloseable part :
                new AutoCloseable[] {instances, coordinatorB, coordinatorA, registryB, registryA, workspaces, redis}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                System.err.println("e2e: could not stop " + part + ": " + e);
            }
        }
        admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    static void admin(String sql) {
        try (Connection connection = DriverManager.getConnection(
                        "jdbc:postgresql://" + POSTGRES + "/postgres", PG_USER, PG_PASSWORD);
                var statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + POSTGRES + " refused: " + e.getMessage(), e);
        }
    }
}

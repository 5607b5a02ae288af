package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.TestKeys;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An installation made at {@link #BASE} and upgraded to this build, as {@code helm upgrade} does it: the database
 * as the base commit's migrations left it, with data in it, taken over by this build's services, which migrate it
 * at their start and then serve the data.
 */
class UpgradeIT {

    /** The last commit that landed before the Kubernetes issue; move it forward when a release is cut. */
    static final String BASE = "d185260";

    private static final List<String> SCHEMAS = List.of("workspaces", "registry", "instances");
    private static final String PASSWORD = "upgrade-password";

    private final String database =
            "rigfleet_upgrade_" + UUID.randomUUID().toString().substring(0, 8);
    private final RedisServer redis = new RedisServer();
    private final List<ServiceProcess> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(ServiceProcess::close);
        redis.close();
        Stack.admin("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    @Test
    void thisBuildsServicesMigrateTheBaseCommitsDatabaseAndServeItsData() throws Exception {
        Files.createDirectories(Stack.LOGS);
        Stack.admin("CREATE DATABASE " + database);
        Map<String, Integer> baseVersions = new HashMap<>();
        for (String schema : SCHEMAS) {
            baseVersions.put(schema, migrateAsAtBase(schema));
        }
        UUID owner = UUID.randomUUID();
        try (Connection db = connect()) {
            update(
                    db,
                    "INSERT INTO workspaces.users (id, username, password_hash, admin, created_at) VALUES (?, ?, ?, false, ?)",
                    owner,
                    "upgraded-owner",
                    OpenBSDBCrypt.generate(PASSWORD.toCharArray(), salt(), 4),
                    Timestamp.from(Instant.now()));
            update(
                    db,
                    "INSERT INTO registry.fleets (name, owner_id, created_at) VALUES (?, ?, ?)",
                    "fleet-from-before",
                    owner,
                    Timestamp.from(Instant.now()));
        }

        startServices();

        String token = given().contentType(ContentType.JSON)
                .body(Map.of("user", "upgraded-owner", "password", PASSWORD))
                .post(started.get(0).url() + "/token")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        given().auth()
                .oauth2(token)
                .get(started.get(1).url() + "/fleets")
                .then()
                .statusCode(200)
                .body("fleets.name", hasItem("fleet-from-before"));
        try (Connection db = connect()) {
            for (String schema : SCHEMAS) {
                List<Integer> applied = appliedVersions(db, schema);
                int newest = newestVersionInThisBuild(schema);
                assertEquals(newest, applied.get(applied.size() - 1), schema + ": migrated to this build's newest");
                for (int version = 1; version <= newest; version++) {
                    assertTrue(applied.contains(version), schema + " lacks V" + version + ": " + applied);
                }
                assertTrue(baseVersions.get(schema) <= newest, schema);
            }
        }
    }

    /** Applies {@code schema}'s migrations as they were at {@link #BASE}; answers the newest version among them. */
    private int migrateAsAtBase(String schema) throws IOException {
        String folder = "services/" + schema + "/src/main/resources/db/migration";
        Path migrations = Files.createTempDirectory("rigfleet-base-" + schema);
        List<String> files =
                List.of(git("ls-tree", "--name-only", BASE, folder + "/").split("\n"));
        assertFalse(files.isEmpty(), folder + " at " + BASE);
        for (String file : files) {
            Path name = Path.of(file).getFileName();
            Files.writeString(migrations.resolve(name), git("show", BASE + ":" + file));
        }
        Flyway.configure()
                .dataSource(url(), Stack.PG_USER, Stack.PG_PASSWORD)
                .schemas(schema)
                .locations("filesystem:" + migrations)
                .load()
                .migrate();
        return files.stream().mapToInt(UpgradeIT::version).max().orElseThrow();
    }

    private void startServices() {
        redis.start();
        Map<String, String> shared = new HashMap<>();
        shared.put("quarkus.redis.hosts", redis.url());
        shared.put(
                "rigfleet.redis.key-prefix",
                "upgrade-" + UUID.randomUUID().toString().substring(0, 8) + ":");
        shared.put(
                "mp.jwt.verify.publickey.location",
                TestKeys.publicKeyFile().toUri().toString());
        shared.put("rigfleet.service-identity.key", TestKeys.serviceKey());
        shared.put("quarkus.datasource.reactive.url", "postgresql://" + Stack.POSTGRES + "/" + database);
        shared.put("quarkus.datasource.jdbc.url", url());
        shared.put("quarkus.datasource.username", Stack.PG_USER);
        shared.put("quarkus.datasource.password", Stack.PG_PASSWORD);
        String key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

        int registryPort = Ports.free();
        Map<String, String> workspaces = new HashMap<>(shared);
        workspaces.put("quarkus.rest-client.registry.url", "http://127.0.0.1:" + registryPort);
        workspaces.put("quarkus.rest-client.instances.url", "http://127.0.0.1:" + Ports.free());
        workspaces.put(
                "smallrye.jwt.sign.key.location",
                TestKeys.privateKeyFile().toUri().toString());
        ServiceProcess workspacesProcess = ServiceProcess.start("workspaces", "upgrade-workspaces", workspaces);
        started.add(workspacesProcess);

        Map<String, String> registry = new HashMap<>(shared);
        registry.put("quarkus.rest-client.revocations.url", workspacesProcess.url());
        registry.put("rigfleet.registry.secrets-key", key);
        started.add(ServiceProcess.start("registry", "upgrade-registry", registryPort, registry));

        Map<String, String> instances = new HashMap<>(shared);
        instances.put("quarkus.rest-client.revocations.url", workspacesProcess.url());
        instances.put("quarkus.rest-client.workspaces.url", workspacesProcess.url());
        instances.put("quarkus.rest-client.coordinator.url", "http://127.0.0.1:" + Ports.free());
        instances.put("rigfleet.instances.secrets-key", key);
        started.add(ServiceProcess.start("instances", "upgrade-instances", instances));
    }

    private static List<Integer> appliedVersions(Connection db, String schema) throws SQLException {
        List<Integer> versions = new ArrayList<>();
        try (PreparedStatement query = db.prepareStatement("SELECT version FROM " + schema
                        + ".flyway_schema_history WHERE success AND version IS NOT NULL ORDER BY installed_rank");
                ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
                versions.add(Integer.parseInt(rows.getString(1)));
            }
        }
        return versions;
    }

    private static int newestVersionInThisBuild(String schema) throws IOException {
        try (var files = Files.list(Stack.ROOT.resolve("services/" + schema + "/src/main/resources/db/migration"))) {
            return files.map(file -> file.getFileName().toString())
                    .mapToInt(UpgradeIT::version)
                    .max()
                    .orElseThrow();
        }
    }

    /** The version of a migration file named {@code V<version>__<what>.sql}. */
    private static int version(String file) {
        String name = Path.of(file).getFileName().toString();
        return Integer.parseInt(name.substring(1, name.indexOf("__")));
    }

    private static void update(Connection db, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < values.length; i++) {
                statement.setObject(i + 1, values[i]);
            }
            assertEquals(1, statement.executeUpdate(), sql);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), Stack.PG_USER, Stack.PG_PASSWORD);
    }

    private String url() {
        return "jdbc:postgresql://" + Stack.POSTGRES + "/" + database;
    }

    private static byte[] salt() {
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        return salt;
    }

    /** git in the checkout; the base commit must be in its history (CI runs on a full clone). */
    private static String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git", "-C", Stack.ROOT.toString()));
        command.addAll(List.of(args));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
            assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + output);
            return output.strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}

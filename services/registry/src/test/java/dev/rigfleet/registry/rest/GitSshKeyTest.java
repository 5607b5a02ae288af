package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.InternalRoutes;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class GitSshKeyTest {

    private static JsonPath key(UUID owner) {
        return key(owner, "coordinator");
    }

    private static JsonPath key(UUID owner, String caller) {
        return given().header("Authorization", TestTokens.service(caller))
                .get("/internal/owners/" + owner + "/git-ssh-key")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    @Test
    void anOwnerGetsOneKeyPairThatOpenSshAccepts() throws Exception {
        UUID owner = UUID.randomUUID();
        JsonPath first = key(owner);
        JsonPath again = key(owner);

        assertEquals(first.getString("public_key"), again.getString("public_key"));
        assertEquals(first.getString("private_key"), again.getString("private_key"));
        assertTrue(first.getString("private_key").startsWith("-----BEGIN OPENSSH PRIVATE KEY-----"));
        assertNotEquals(first.getString("public_key"), key(UUID.randomUUID()).getString("public_key"));

        // The real OpenSSH client derives the same public key from the private one.
        Path file = Files.createTempFile(
                "git", ".key", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, first.getString("private_key"));
        Process keygen = new ProcessBuilder("ssh-keygen", "-y", "-f", file.toString()).start();
        String derived = new String(keygen.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(keygen.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, keygen.exitValue());
        String[] publicKey = first.getString("public_key").split(" ");
        assertTrue(derived.startsWith(publicKey[0] + " " + publicKey[1]), derived);
        Files.delete(file);
    }

    @Test
    void ciJobsSignInWithTheKeyTheOwnersAgentsGet() {
        UUID owner = UUID.randomUUID();
        JsonPath forAgents = key(owner, "coordinator");
        JsonPath forCi = key(owner, "workspaces");
        assertEquals(forAgents.getString("public_key"), forCi.getString("public_key"));
        assertEquals(forAgents.getString("private_key"), forCi.getString("private_key"));
    }

    @Test
    void theStoredPrivateKeyIsSealed() {
        UUID owner = UUID.randomUUID();
        String privateKey = key(owner).getString("private_key");
        String stored = storedPrivateKey(owner);
        assertTrue(
                !stored.contains("OPENSSH") && !stored.equals(privateKey), "the private key is not kept in the clear");
    }

    @Test
    void aMalformedOwnerIsNotFound() {
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/owners/not-a-uuid/git-ssh-key")
                .then()
                .statusCode(404);
    }

    @Test
    void onlyTheCoordinatorAndCiGetAKeyAndNobodyElseMakesOne() {
        UUID owner = UUID.randomUUID();
        InternalRoutes.refuseAllButTheirCallers("GET", "/internal/owners/" + owner + "/git-ssh-key", null, "instances");
        assertEquals(0, storedKeys(owner), "a refused call stores no key pair");
    }

    /** What the database holds, read as an attacker with a copy of it would. */
    private static String storedPrivateKey(UUID owner) {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection connection =
                        DriverManager.getConnection(url, PostgresTestResource.USER, PostgresTestResource.PASSWORD);
                PreparedStatement query = connection.prepareStatement(
                        "SELECT sealed_private_key FROM registry.git_ssh_keys WHERE owner_id = ?")) {
            query.setObject(1, owner);
            try (ResultSet row = query.executeQuery()) {
                assertTrue(row.next(), "a stored key");
                return row.getString(1);
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static int storedKeys(UUID owner) {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        try (Connection connection =
                        DriverManager.getConnection(url, PostgresTestResource.USER, PostgresTestResource.PASSWORD);
                PreparedStatement query =
                        connection.prepareStatement("SELECT count(*) FROM registry.git_ssh_keys WHERE owner_id = ?")) {
            query.setObject(1, owner);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getInt(1);
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}

package dev.rigfleet.registry.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class ProvisioningTest {

    @Inject
    DeviceEvents events;

    private static Response provision(Map<String, ?> body) {
        return given().contentType(ContentType.JSON).body(body).post("/provision");
    }

    @Test
    void aDeviceEnrolsAndItsCredentialIdentifiesIt() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String key = owner.createKey(appId, 1);

        var enrolment = provision(Map.of("provisioning_key", key, "name", "arm-1"))
                .then()
                .statusCode(201)
                .body("uuid", matchesPattern("[0-9a-f]{32}"))
                .body("credential", matchesPattern("[0-9a-f]{64}"))
                .body("appId", equalTo((int) appId))
                .body("name", equalTo("arm-1"))
                .extract()
                .jsonPath();
        String uuid = enrolment.getString("uuid");
        String credential = enrolment.getString("credential");

        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/by-credential/" + TokenHashes.sha256(credential))
                .then()
                .statusCode(200)
                .body("uuid", equalTo(uuid))
                .body("deviceId", equalTo(enrolment.getInt("deviceId")))
                .body("appId", equalTo((int) appId))
                .body("owner", equalTo(owner.userId()));
        owner.call()
                .get("/devices/" + uuid)
                .then()
                .body("provisioned", equalTo(true))
                .body("owner", equalTo(owner.userId()))
                .body("target_version", equalTo(1));
    }

    @Test
    void aKeyWorksUpToItsBoundAndThenIsRefused() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String key = owner.createKey(appId, 2);

        Api.provision(key);
        Api.provision(key);
        provision(Map.of("provisioning_key", key))
                .then()
                .statusCode(403)
                .body("error", equalTo("key_used_up"))
                .body("error_message", equalTo("this provisioning key has enrolled its 2 device(s)"));
        owner.call()
                .get("/fleets/" + appId + "/provisioning-keys")
                .then()
                .body("provisioning_keys[0].uses", equalTo(2));
    }

    @Test
    void expiredRevokedAndUnknownKeysAreRefused() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        var shortLived = owner.call()
                .body(Map.of("expires_in", 1))
                .post("/fleets/" + appId + "/provisioning-keys")
                .then()
                .extract()
                .jsonPath();
        Instant expiry = Instant.parse(shortLived.getString("details.expires_at"));
        var revoked = owner.call()
                .body(Map.of("max_uses", 3))
                .post("/fleets/" + appId + "/provisioning-keys")
                .then()
                .extract()
                .jsonPath();
        owner.call().delete("/fleets/" + appId + "/provisioning-keys/" + revoked.getLong("details.id"));

        provision(Map.of("provisioning_key", revoked.getString("provisioning_key")))
                .then()
                .statusCode(403)
                .body("error", equalTo("key_revoked"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(expiry));
        provision(Map.of("provisioning_key", shortLived.getString("provisioning_key")))
                .then()
                .statusCode(403)
                .body("error", equalTo("key_expired"));
        provision(Map.of("provisioning_key", "0".repeat(64)))
                .then()
                .statusCode(403)
                .body("error", equalTo("unknown_key"))
                .body("error_message", equalTo("unknown provisioning key"));
        provision(Map.of("provisioning_key", "short")).then().statusCode(400);
        provision(Map.of()).then().statusCode(400);
        provision(Map.of("provisioning_key", shortLived.getString("provisioning_key"), "name", "bad name!"))
                .then()
                .statusCode(400);
        owner.call().get("/devices").then().body("devices", equalTo(List.of()));
    }

    @Test
    void twoDevicesEnrollingWithOneKeyAtOnceGetDistinctIdentities() throws Exception {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String roomForTwo = owner.createKey(appId, 2);
        String roomForOne = owner.createKey(appId, 1);

        List<Response> both = concurrently(roomForTwo, 2);
        assertEquals(List.of(201, 201), both.stream().map(Response::statusCode).toList());
        for (String field : List.of("uuid", "deviceId", "credential")) {
            Object first = both.get(0).path(field);
            Object second = both.get(1).path(field);
            assertNotEquals(first, second, field);
        }

        List<Integer> race = concurrently(roomForOne, 2).stream()
                .map(Response::statusCode)
                .sorted()
                .toList();
        assertEquals(List.of(201, 403), race);
    }

    @Test
    void deprovisioningRevokesTheCredentialAndIsAnnounced() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<String, Object> device = owner.enrol(appId);
        String uuid = (String) device.get("uuid");
        String hash = TokenHashes.sha256((String) device.get("credential"));
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/by-credential/" + hash)
                .then()
                .statusCode(200);

        Api.newUser().call().post("/devices/" + uuid + "/deprovision").then().statusCode(404);
        owner.call()
                .post("/devices/" + uuid + "/deprovision")
                .then()
                .statusCode(200)
                .body("provisioned", equalTo(false));

        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/by-credential/" + hash)
                .then()
                .statusCode(404);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> events.deprovisioned(uuid).size() == 1);
        assertEquals(hash, events.deprovisioned(uuid).get(0).getCredentialSha256());
        owner.call().post("/devices/" + uuid + "/deprovision").then().statusCode(200);
    }

    @Test
    void aCloudIdentityEnrolsOnce() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String key = owner.createKey(appId, 2);
        Map<String, Object> identity = Map.of("provider", "aws", "instance_id", "i-0abc" + System.nanoTime());

        String uuid = provision(Map.of("provisioning_key", key, "cloud_identity", identity))
                .then()
                .statusCode(201)
                .extract()
                .path("uuid");
        owner.call()
                .get("/devices/" + uuid)
                .then()
                .body("cloud_identity.provider", equalTo("aws"))
                .body("cloud_identity.instance_id", equalTo(identity.get("instance_id")));

        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/by-cloud-identity/aws/" + identity.get("instance_id"))
                .then()
                .statusCode(200)
                .body("uuid", equalTo(uuid));
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/by-cloud-identity/aws/i-unknown")
                .then()
                .statusCode(404);
        given().header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/by-cloud-identity/google/" + identity.get("instance_id"))
                .then()
                .statusCode(404);

        provision(Map.of("provisioning_key", key, "cloud_identity", identity))
                .then()
                .statusCode(409);
        provision(Map.of("provisioning_key", key, "cloud_identity", Map.of("provider", "ibm", "instance_id", "x")))
                .then()
                .statusCode(400);
        owner.call()
                .get("/fleets/" + appId + "/provisioning-keys")
                .then()
                .body("provisioning_keys[0].uses", equalTo(1));
    }

    private static List<Response> concurrently(String key, int devices) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(devices);
        try {
            List<Callable<Response>> attempts = new ArrayList<>();
            for (int i = 0; i < devices; i++) {
                attempts.add(() -> provision(Map.of("provisioning_key", key)));
            }
            List<Response> answers = new ArrayList<>();
            for (Future<Response> answer : pool.invokeAll(attempts)) {
                answers.add(answer.get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}

package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.rigfleet.common.testing.TestTokens;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A device enrolled through one registry replica is known by its credential at both, and after deprovisioning
 * through one replica the credential stops working at both. (The 1-second goal belongs in a benchmark; this test
 * allows 10 s.)
 */
class DeviceCredentialIT {

    private final Stack stack = Stack.get();

    @Test
    void deprovisioningThroughOneReplicaRevokesTheCredentialAtBoth() {
        String token = Accounts.newUserToken(stack);
        String registryA = stack.registryA.url();
        String key = Fleets.create(stack, token, "e2e-rigs", 1).provisioningKey();
        var enrolment = given().contentType(ContentType.JSON)
                .body(Map.of("provisioning_key", key))
                .post(stack.registryB.url() + "/provision")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
        String uuid = enrolment.getString("uuid");
        String hash = Accounts.sha256(enrolment.getString("credential"));
        for (ServiceProcess registry : List.of(stack.registryA, stack.registryB)) {
            given().header("Authorization", TestTokens.service("coordinator"))
                    .get(registry.url() + "/internal/devices/by-credential/" + hash)
                    .then()
                    .statusCode(200)
                    .body("uuid", equalTo(uuid));
        }

        given().auth()
                .oauth2(token)
                .post(registryA + "/devices/" + uuid + "/deprovision")
                .then()
                .statusCode(200);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (ServiceProcess registry : List.of(stack.registryA, stack.registryB)) {
                given().header("Authorization", TestTokens.service("coordinator"))
                        .get(registry.url() + "/internal/devices/by-credential/" + hash)
                        .then()
                        .statusCode(404);
            }
        });
    }
}

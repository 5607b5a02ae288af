package dev.rigfleet.registry.rest;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.proto.bus.DeviceTarget;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
class TargetStateTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    DeviceEvents events;

    @Test
    void releasesKeepTheirServicesWithIdentities() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<String, Object> web = Map.of(
                "name", "web",
                "image", "registry.example.com/web:1",
                "healthcheck", Map.of("command", List.of("curl", "-f", "localhost"), "interval_seconds", 10),
                "restart", "on-failure");
        Map<String, Object> worker = Map.of("name", "worker", "command", List.of("python3", "worker.py"));

        owner.call()
                .body(Map.of("commit", "abc123", "services", List.of(web, worker)))
                .post("/fleets/" + appId + "/releases")
                .then()
                .statusCode(201)
                .body("appId", equalTo((int) appId))
                .body("commit", equalTo("abc123"))
                .body("services.name", equalTo(List.of("web", "worker")))
                .body("services[0].uuid", matchesPattern("[0-9a-f-]{36}"))
                .body("services[0].restart", equalTo("on-failure"))
                .body("services[1].restart", equalTo("always"))
                .body("services[0].healthcheck.interval_seconds", equalTo(10))
                .body("services[1].image", nullValue());

        owner.call().get("/fleets/" + appId + "/releases").then().body("releases.commit", equalTo(List.of("abc123")));
    }

    @Test
    void servicesCarryTheirIoFogConfigAndRoutesAndRoutesMustNameServicesOfTheRelease() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        Map<String, Object> sensor = Map.of(
                "name", "sensor",
                "command", List.of("sensor"),
                "config", Map.of("rate_hz", 10, "unit", "C"),
                "routes", List.of("logger"));
        Map<String, Object> logger = Map.of("name", "logger", "command", List.of("logger"));
        owner.call()
                .body(Map.of("commit", "io1", "services", List.of(sensor, logger)))
                .post("/fleets/" + appId + "/releases")
                .then()
                .statusCode(201)
                .body("services[0].config.rate_hz", equalTo(10))
                .body("services[0].routes", equalTo(List.of("logger")))
                .body("services[1].config.size()", equalTo(0))
                .body("services[1].routes", equalTo(List.of()));

        Map<String, Object> lost = Map.of("name", "sensor", "command", List.of("sensor"), "routes", List.of("nobody"));
        owner.call()
                .body(Map.of("commit", "io2", "services", List.of(lost)))
                .post("/fleets/" + appId + "/releases")
                .then()
                .statusCode(400)
                .body("error_message", containsString("routes to nobody"));
    }

    @Test
    void badReleasesAreRefused() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String path = "/fleets/" + appId + "/releases";
        Map<String, Object> both = Map.of("name", "x", "image", "img", "command", List.of("run"));
        Map<String, Object> neither = Map.of("name", "x");
        Map<String, Object> badRestart = Map.of("name", "x", "image", "img", "restart", "sometimes");
        Map<String, Object> badName = Map.of("name", "Not Valid", "image", "img");

        for (Map<String, Object> service : List.of(both, neither)) {
            owner.call()
                    .body(Map.of("commit", "c1", "services", List.of(service)))
                    .post(path)
                    .then()
                    .statusCode(400)
                    .body("error_message", containsString("give exactly one of image and command"));
        }
        owner.call()
                .body(Map.of("commit", "c1", "services", List.of(badRestart)))
                .post(path)
                .then()
                .statusCode(400)
                .body("error_message", containsString("restart"));
        owner.call()
                .body(Map.of("commit", "c1", "services", List.of(badName)))
                .post(path)
                .then()
                .statusCode(400);
        owner.call()
                .body(Map.of("commit", "c1", "services", List.of()))
                .post(path)
                .then()
                .statusCode(400);
        owner.call()
                .body(Map.of("commit", "has space", "services", List.of(neither)))
                .post(path)
                .then()
                .statusCode(400);
        Map<String, Object> ok = Map.of("name", "x", "image", "img");
        owner.call()
                .body(Map.of("commit", "c1", "services", List.of(ok, ok)))
                .post(path)
                .then()
                .statusCode(400)
                .body("error_message", equalTo("service name x appears twice"));

        owner.createRelease(appId, "c1");
        owner.call()
                .body(Map.of("commit", "c1", "services", List.of(ok)))
                .post(path)
                .then()
                .statusCode(409);
    }

    @Test
    void newTargetReleaseChangesTheDevicesTargetStateAndIsAnnouncedOnce() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String uuid = (String) owner.enrol(appId).get("uuid");
        long before = owner.targetVersion(uuid);
        owner.call().get("/devices/" + uuid + "/target-state").then().body("release", nullValue());
        long releaseId = owner.createRelease(appId, "v1");

        owner.call()
                .body(Map.of("releaseId", releaseId))
                .put("/fleets/" + appId + "/target-release")
                .then()
                .statusCode(200)
                .body("target_release", equalTo((int) releaseId));

        owner.call()
                .get("/devices/" + uuid + "/target-state")
                .then()
                .body("version", equalTo((int) before + 1))
                .body("appId", equalTo((int) appId))
                .body("release.releaseId", equalTo((int) releaseId))
                .body("release.commit", equalTo("v1"))
                .body("release.services[0].command", equalTo(List.of("/bin/sh", "-c", "sleep 3600")));
        List<DeviceTarget> heard = awaitChanges(uuid, 1);
        assertEquals(before + 1, heard.get(0).getVersion());

        // Setting the same release again changes nothing.
        owner.call()
                .body(Map.of("releaseId", releaseId))
                .put("/fleets/" + appId + "/target-release")
                .then()
                .statusCode(200);
        assertEquals(before + 1, owner.targetVersion(uuid));
    }

    @Test
    void environmentChangesAreMergedDeviceFirstAndEachIsOneNewVersion() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String uuid = (String) owner.enrol(appId).get("uuid");
        long releaseId = owner.createRelease(appId, "v1");
        owner.call().body(Map.of("releaseId", releaseId)).put("/fleets/" + appId + "/target-release");
        awaitChanges(uuid, 1);
        long before = owner.targetVersion(uuid);

        owner.call()
                .body(Map.of("REGION", "lab-1", "MODE", "fleet", "LOG", "info"))
                .patch("/fleets/" + appId + "/env")
                .then()
                .statusCode(200)
                .body("env.REGION", equalTo("lab-1"));
        assertEquals(before + 1, owner.targetVersion(uuid));
        awaitChanges(uuid, 2);

        owner.call()
                .body(Map.of("LOG", "debug"))
                .patch("/devices/" + uuid + "/env")
                .then()
                .statusCode(200)
                .body("env", equalTo(Map.of("LOG", "debug")));
        assertEquals(before + 2, owner.targetVersion(uuid));
        awaitChanges(uuid, 3);

        owner.call()
                .get("/devices/" + uuid + "/target-state")
                .then()
                .body("environment", equalTo(Map.of("REGION", "lab-1", "MODE", "fleet", "LOG", "debug")))
                // The release said MODE=release; the fleet's variable wins, as the device's would.
                .body("release.services[0].environment.MODE", equalTo("fleet"))
                .body("release.services[0].environment.LOG", equalTo("debug"));

        Map<String, String> removal = new HashMap<>();
        removal.put("LOG", null);
        owner.call().body(removal).patch("/fleets/" + appId + "/env").then().body("env.LOG", nullValue());
        assertEquals(before + 3, owner.targetVersion(uuid));
        owner.call()
                .body(Map.of("REGION", "lab-1"))
                .patch("/fleets/" + appId + "/env")
                .then()
                .statusCode(200);
        assertEquals(before + 3, owner.targetVersion(uuid), "setting a variable to its value is no change");
    }

    @Test
    void badVariablesAreRefused() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        owner.call()
                .body(Map.of("1ABC", "x"))
                .patch("/fleets/" + appId + "/env")
                .then()
                .statusCode(400)
                .body("error_message", containsString("must be 1-128 of A-Z"));
        owner.call()
                .body(Map.of("OK", "x".repeat(5000)))
                .patch("/fleets/" + appId + "/env")
                .then()
                .statusCode(400);
        owner.call().body("[1, 2]").patch("/fleets/" + appId + "/env").then().statusCode(400);
        owner.call().get("/fleets/" + appId + "/env").then().body("env", equalTo(Map.of()));
    }

    @Test
    void aPinnedDeviceKeepsItsRelease() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        String pinned = (String) owner.enrol(appId).get("uuid");
        String follower = (String) owner.enrol(appId).get("uuid");
        long v1 = owner.createRelease(appId, "v1");
        long v2 = owner.createRelease(appId, "v2");
        owner.call().body(Map.of("releaseId", v1)).put("/fleets/" + appId + "/target-release");

        owner.call()
                .body(Map.of("releaseId", v1))
                .put("/devices/" + pinned + "/pinned-release")
                .then()
                .statusCode(200)
                .body("pinned_release", equalTo((int) v1));
        long pinnedVersion = owner.targetVersion(pinned);
        // One event for the fleet's first target release, one for the pin.
        int pinnedChanges = awaitChanges(pinned, 2).size();

        owner.call()
                .body(Map.of("releaseId", v2))
                .put("/fleets/" + appId + "/target-release")
                .then()
                .statusCode(200);

        owner.call().get("/devices/" + follower + "/target-state").then().body("release.commit", equalTo("v2"));
        owner.call().get("/devices/" + pinned + "/target-state").then().body("release.commit", equalTo("v1"));
        assertEquals(pinnedVersion, owner.targetVersion(pinned));
        await().atMost(WAIT).until(() -> events.targetChanges(follower).size() == 2);
        assertEquals(pinnedChanges, events.targetChanges(pinned).size(), "no event for the pinned device");

        Map<String, Object> unpin = new HashMap<>();
        unpin.put("releaseId", null);
        owner.call()
                .body(unpin)
                .put("/devices/" + pinned + "/pinned-release")
                .then()
                .body("pinned_release", nullValue());
        owner.call().get("/devices/" + pinned + "/target-state").then().body("release.commit", equalTo("v2"));
    }

    @Test
    void releasesOfAnotherFleetCannotBeTargetedOrPinned() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        long otherFleet = owner.createFleet();
        long foreign = owner.createRelease(otherFleet, "elsewhere");
        String uuid = (String) owner.enrol(appId).get("uuid");

        owner.call()
                .body(Map.of("releaseId", foreign))
                .put("/fleets/" + appId + "/target-release")
                .then()
                .statusCode(404);
        owner.call()
                .body(Map.of("releaseId", foreign))
                .put("/devices/" + uuid + "/pinned-release")
                .then()
                .statusCode(404);
        owner.call()
                .body(Map.of())
                .put("/fleets/" + appId + "/target-release")
                .then()
                .statusCode(400);
        Api.newUser()
                .call()
                .get("/fleets/" + otherFleet + "/releases/" + foreign)
                .then()
                .statusCode(404);
        owner.call()
                .get("/fleets/" + otherFleet + "/releases/" + foreign)
                .then()
                .statusCode(200);
    }

    private List<DeviceTarget> awaitChanges(String uuid, int count) {
        await().atMost(WAIT).until(() -> events.targetChanges(uuid).size() >= count);
        List<DeviceTarget> heard = events.targetChanges(uuid);
        assertTrue(heard.size() == count, "one event per change, heard " + heard.size());
        return heard;
    }

    @Test
    void aServiceKeepsItsIdentityFromReleaseToRelease() {
        Api owner = Api.newUser();
        long appId = owner.createFleet();
        owner.createRelease(appId, "v1");
        owner.createRelease(appId, "v2");
        String path = "/fleets/" + appId + "/releases";
        List<String> identities = owner.call()
                .get(path)
                .then()
                .extract()
                .jsonPath()
                .getList("releases.collect { it.services[0].uuid }", String.class);

        assertEquals(2, identities.size());
        assertEquals(identities.get(0), identities.get(1));
        String given = "0d8f0b3e-3c1a-4d0e-9d4b-5f0a7c3e2b11";
        Map<String, Object> service = Map.of("name", "x", "image", "img", "uuid", given);
        owner.call()
                .body(Map.of("commit", "v3", "services", List.of(service)))
                .post(path)
                .then()
                .statusCode(201)
                .body("services[0].uuid", equalTo(given));
        Map<String, Object> twin = Map.of("name", "y", "image", "img", "uuid", given);
        owner.call()
                .body(Map.of("commit", "v4", "services", List.of(service, twin)))
                .post(path)
                .then()
                .statusCode(400)
                .body("error_message", equalTo("service uuid " + given + " appears twice"));
    }

    @Test
    void theDeviceLinkReadsAnyDevicesTargetState() {
        Api owner = Api.newUser();
        String uuid = (String) owner.enrol(owner.createFleet()).get("uuid");

        io.restassured.RestAssured.given()
                .header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/" + uuid + "/target-state")
                .then()
                .statusCode(200)
                .body("uuid", equalTo(uuid))
                .body("version", equalTo(1));
        io.restassured.RestAssured.given()
                .header("Authorization", TestTokens.service("coordinator"))
                .get("/internal/devices/" + "e".repeat(32) + "/target-state")
                .then()
                .statusCode(404);
    }
}

package dev.rigfleet.workspaces.hardware;

import static io.restassured.RestAssured.given;

import dev.rigfleet.common.redis.Presence;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.Accounts.Account;
import io.quarkus.arc.Arc;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Types, deployments and their devices' presence, made through the API as owners and admins make them. */
public final class Hardware {

    /** A deployment and the devices it is made of. */
    public record Setup(String id, String type, String host, List<String> peripherals, Account owner) {

        public List<String> devices() {
            List<String> all = new ArrayList<>(List.of(host));
            all.addAll(peripherals);
            return all;
        }
    }

    private Hardware() {}

    public static String newType() {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .contentType(ContentType.JSON)
                .body(Map.of("name", name, "desc", "a test type"))
                .post("/workspaces")
                .then()
                .statusCode(200);
        return name;
    }

    /** A deployment of the owner's new devices, all online. */
    public static Setup online(Account owner, String type, int peripherals, String region, String desc) {
        Setup setup = offline(owner, type, peripherals, region, desc);
        setup.devices().forEach(Hardware::connect);
        return setup;
    }

    /** A deployment of the owner's new devices, none of them connected. */
    public static Setup offline(Account owner, String type, int peripherals, String region, String desc) {
        String host = RegistryStub.enrol(owner.id());
        List<String> others = new ArrayList<>();
        for (int i = 0; i < peripherals; i++) {
            others.add(RegistryStub.enrol(owner.id()));
        }
        String id = given().auth()
                .oauth2(owner.token())
                .contentType(ContentType.JSON)
                .body(Map.of("type", type, "host", host, "peripherals", others, "region", region, "desc", desc))
                .post("/deployments")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        return new Setup(id, type, host, others, owner);
    }

    /** The device is online, as the coordinator records it. */
    public static void connect(String device) {
        Arc.container()
                .instance(Presence.class)
                .get()
                .claim(device, "test-coordinator", Duration.ofMinutes(10))
                .await()
                .indefinitely();
    }

    public static void disconnect(String device) {
        Presence presence = Arc.container().instance(Presence.class).get();
        Arc.container()
                .instance(Redis.class)
                .get()
                .send(Request.cmd(Command.DEL).arg(presence.key(device)))
                .await()
                .indefinitely();
    }

    /** Asks for a deployment as the instances service does for {@code POST /new}. */
    public static ValidatableResponse allocate(Account user, Map<String, Object> ask) {
        Map<String, Object> body = new HashMap<>(ask);
        body.put("user", user.id().toString());
        body.put("username", user.name());
        return given().header("Authorization", TestTokens.service("instances"))
                .contentType(ContentType.JSON)
                .body(body)
                .post("/internal/allocations")
                .then();
    }

    public static String allocated(Account user, Map<String, Object> ask) {
        return allocate(user, ask).statusCode(200).extract().path("id");
    }

    public static ValidatableResponse release(String holding) {
        return given().header("Authorization", TestTokens.service("instances"))
                .post("/internal/holdings/" + holding + "/release")
                .then();
    }
}

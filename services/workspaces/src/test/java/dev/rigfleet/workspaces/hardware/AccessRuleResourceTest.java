package dev.rigfleet.workspaces.hardware;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.Accounts.Account;
import dev.rigfleet.workspaces.hardware.Hardware.Setup;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class AccessRuleResourceTest {

    @Test
    void withNoRulesAnyoneMayInstantiate() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "open");
        given().auth()
                .oauth2(Accounts.someone().token())
                .get("/deployment/" + setup.id() + "/rules")
                .then()
                .statusCode(200)
                .body("rules", empty());
        Hardware.allocate(Accounts.someone(), Map.of("deployment", setup.id())).statusCode(200);
    }

    @Test
    void aUsersOwnRuleBeatsTheRuleForEveryone() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "closed");
        Account alice = Accounts.someone();
        Account bob = Accounts.someone();
        long closed = rule(setup, Map.of("cap", "CAP_NO_INSTANTIATE"));
        long forAlice = rule(setup, Map.of("cap", "CAP_INSTANTIATE", "user", alice.name()));
        assertEquals(closed, rule(setup, Map.of("cap", "CAP_NO_INSTANTIATE")), "the same rule twice is one rule");

        Hardware.allocate(bob, Map.of("deployment", setup.id()))
                .statusCode(403)
                .body(
                        "error_message",
                        equalTo("an access rule of this workspace deployment does not let you instantiate it"));
        Hardware.allocate(bob, Map.of("deployment", setup.id(), "reserve", true))
                .statusCode(403);
        String held = Hardware.allocated(alice, Map.of("deployment", setup.id()));
        Hardware.release(held).statusCode(200);
        // The owner always may.
        Hardware.allocate(setup.owner(), Map.of("deployment", setup.id())).statusCode(200);

        // Open for everyone but one.
        Setup other = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "open but");
        rule(other, Map.of("cap", "CAP_INSTANTIATE", "user", "*"));
        rule(other, Map.of("cap", "CAP_NO_INSTANTIATE", "user", bob.name()));
        Hardware.allocate(bob, Map.of("deployment", other.id())).statusCode(403);
        Hardware.allocate(alice, Map.of("deployment", other.id())).statusCode(200);
        assertEquals(true, forAlice > 0);
    }

    @Test
    void ownersSeeEveryRuleOthersOnlyThoseNamingThemOrEveryone() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "rules");
        Account alice = Accounts.someone();
        Account stranger = Accounts.someone();
        long everyone = rule(setup, Map.of("cap", "CAP_NO_INSTANTIATE"));
        long forAlice = rule(setup, Map.of("cap", "CAP_INSTANTIATE", "user", alice.name()));
        long forCarol = rule(setup, Map.of("cap", "CAP_INSTANTIATE", "user", "carol"));

        rules(setup.owner(), setup).body("rules.id", contains((int) everyone, (int) forAlice, (int) forCarol));
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .get("/deployment/" + setup.id() + "/rules")
                .then()
                .body("rules", org.hamcrest.Matchers.hasSize(3));
        rules(alice, setup)
                .body("rules.id", contains((int) everyone, (int) forAlice))
                .body("rules[1].user", equalTo(alice.name()))
                .body("rules[1].capability", equalTo("CAP_INSTANTIATE"))
                .body("rules[1].wdeployment_id", equalTo(setup.id()))
                .body("rules[1].date_created", notNullValue())
                .body("rules[1].param", nullValue());
        rules(stranger, setup).body("rules.id", contains((int) everyone));
        given().get("/deployment/" + setup.id() + "/rules")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("wrong authorization token"));

        // Across deployments: the rules naming the caller or everyone (other tests' rules for everyone too).
        given().auth()
                .oauth2(alice.token())
                .get("/rules")
                .then()
                .statusCode(200)
                .body("rules.id", hasItems((int) everyone, (int) forAlice))
                .body("rules.id", not(hasItem((int) forCarol)));
        given().auth()
                .oauth2(alice.token())
                .get("/rules?to_user=" + alice.name())
                .then()
                .body("rules.id", hasItems((int) everyone, (int) forAlice))
                .body("rules.id", not(hasItem((int) forCarol)));
        given().auth().oauth2(alice.token()).get("/rules?to_user=carol").then().statusCode(403);
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .get("/rules?to_user=carol")
                .then()
                .statusCode(200)
                .body("rules.id", hasItems((int) everyone, (int) forCarol))
                .body("rules.id", not(hasItem((int) forAlice)));
    }

    @Test
    void onlyTheOwnerMakesAndDeletesRules() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "mine");
        String stranger = Accounts.someone().token();
        long ruleId = rule(setup, Map.of("cap", "CAP_NO_INSTANTIATE"));
        String path = "/deployment/" + setup.id() + "/rule";
        for (String variant : List.of(path, path + "/", path + ";x=1", "/deployment/" + setup.id() + ";x=1/rule")) {
            given().auth()
                    .oauth2(stranger)
                    .contentType(ContentType.JSON)
                    .body(Map.of("cap", "CAP_INSTANTIATE", "user", "me"))
                    .post(variant)
                    .then()
                    .statusCode(404);
        }
        given().auth()
                .oauth2(stranger)
                .delete("/deployment/" + setup.id() + "/rule/" + ruleId)
                .then()
                .statusCode(404);
        rules(setup.owner(), setup).body("rules.id", contains((int) ruleId));

        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of("cap", "CAP_EVERYTHING"),
                Map.of("cap", "CAP_INSTANTIATE", "user", "has space"),
                Map.of("user", "carol"))) {
            given().auth()
                    .oauth2(setup.owner().token())
                    .contentType(ContentType.JSON)
                    .body(bad)
                    .post("/deployment/" + setup.id() + "/rule")
                    .then()
                    .statusCode(400);
        }
        given().auth()
                .oauth2(setup.owner().token())
                .delete("/deployment/" + setup.id() + "/rule/" + ruleId)
                .then()
                .statusCode(200)
                .body("deleted", equalTo(true));
        given().auth()
                .oauth2(setup.owner().token())
                .delete("/deployment/" + setup.id() + "/rule/" + ruleId)
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(setup.owner().token())
                .delete("/deployment/" + setup.id() + "/rule/not-a-number")
                .then()
                .statusCode(404);
        rules(setup.owner(), setup).body("rules", empty());
    }

    @Test
    void aTypeReservationIsNotPromotedOntoADeploymentItsUserMayNotUse() {
        Account owner = Accounts.someone();
        String type = Hardware.newType();
        Setup open = Hardware.online(owner, type, 0, "lab", "open");
        Setup closed = Hardware.online(owner, type, 0, "lab", "closed");
        rule(closed, Map.of("cap", "CAP_NO_INSTANTIATE"));
        String onOpen = Hardware.allocated(Accounts.someone(), Map.of("deployment", open.id()));
        String onClosed = Hardware.allocated(owner, Map.of("deployment", closed.id()));
        Map<String, Object> ask = new HashMap<>(Map.of("type", type, "reserve", true));
        String reservation = Hardware.allocate(Accounts.someone(), ask)
                .statusCode(200)
                .extract()
                .path("id");
        Hardware.release(onClosed).statusCode(200).body("promoted", nullValue());
        Hardware.release(onOpen).statusCode(200).body("promoted", equalTo(reservation));
    }

    private static long rule(Setup setup, Map<String, Object> body) {
        Number id = given().auth()
                .oauth2(setup.owner().token())
                .contentType(ContentType.JSON)
                .body(body)
                .post("/deployment/" + setup.id() + "/rule")
                .then()
                .statusCode(200)
                .extract()
                .path("rule_id");
        return id.longValue();
    }

    private static ValidatableResponse rules(Account who, Setup setup) {
        return given().auth()
                .oauth2(who.token())
                .get("/deployment/" + setup.id() + "/rules")
                .then()
                .statusCode(200);
    }
}

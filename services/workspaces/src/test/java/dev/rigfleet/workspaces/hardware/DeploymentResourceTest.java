package dev.rigfleet.workspaces.hardware;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.common.testing.TestTokens;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.Accounts.Account;
import dev.rigfleet.workspaces.hardware.Hardware.Setup;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class DeploymentResourceTest {

    @Test
    void theIndexAndTheTypesAnswerWithoutAToken() {
        String type = Hardware.newType();
        given().get("/")
                .then()
                .statusCode(200)
                .header("X-RateLimit-Limit", notNullValue())
                .header("X-RateLimit-Remaining", notNullValue())
                .body("workspace_types", equalTo("GET /workspaces"))
                .body("workspace_deployments", equalTo("GET /deployments{/workspace_type}"));
        given().get("/workspaces")
                .then()
                .statusCode(200)
                .header("X-RateLimit-Reset", notNullValue())
                .body("workspace_types", hasItem(type));
    }

    @Test
    void onlyAdminsManageTypes() {
        Account user = Accounts.someone();
        given().auth()
                .oauth2(user.token())
                .contentType(ContentType.JSON)
                .body(Map.of("name", "not_mine"))
                .post("/workspaces")
                .then()
                .statusCode(403);
        String type = Hardware.newType();
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .contentType(ContentType.JSON)
                .body(Map.of("name", type))
                .post("/workspaces")
                .then()
                .statusCode(409);
        for (String bad : List.of("has space", "dash-ed", "", "ü")) {
            given().auth()
                    .oauth2(Accounts.mintedAdmin())
                    .contentType(ContentType.JSON)
                    .body(Map.of("name", bad))
                    .post("/workspaces")
                    .then()
                    .statusCode(400)
                    .body("error", equalTo("invalid_request"));
        }
        Hardware.online(user, type, 0, "lab", "in use");
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .delete("/workspaces/" + type)
                .then()
                .statusCode(409);
        String unused = Hardware.newType();
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .delete("/workspaces/" + unused)
                .then()
                .statusCode(200)
                .body("deleted", equalTo(true));
        given().get("/workspaces").then().body("workspace_types", not(hasItem(unused)));
    }

    @Test
    void anOwnerMakesADeploymentOfTheirDevicesAndEveryoneSeesIt() {
        Account owner = Accounts.someone();
        String type = Hardware.newType();
        Setup setup = Hardware.online(owner, type, 2, "Lab 3, Zürich", "two arms and a camera");

        given().get("/deployment/" + setup.id())
                .then()
                .statusCode(200)
                .body("id", equalTo(setup.id()))
                .body("type", equalTo(type))
                .body("type_version", equalTo(1))
                .body("supported_addons", empty())
                .body("desc", equalTo("two arms and a camera"))
                .body("region", equalTo("Lab 3, Zürich"))
                .body("icounter", equalTo(0))
                .body("created", notNullValue())
                .body("queuelen", equalTo(0))
                .body("online", equalTo(true))
                .body("$", not(hasKey("lockout")))
                .body("$", not(hasKey("owner")));
        given().auth()
                .oauth2(owner.token())
                .get("/deployment/" + setup.id())
                .then()
                .body("owner", equalTo(owner.id().toString()))
                .body("host", equalTo(setup.host()))
                .body("peripherals", equalTo(setup.peripherals()))
                .body("$", not(hasKey("holder")));
        given().get("/queuelen/" + setup.id())
                .then()
                .statusCode(200)
                .body("id", equalTo(setup.id()))
                .body("len", equalTo(0));
    }

    @Test
    void aDeploymentIsOnlineOnlyWhileAllItsDevicesAre() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 1, "lab", "pair");
        Hardware.disconnect(setup.peripherals().get(0));
        given().get("/deployment/" + setup.id()).then().body("online", equalTo(false));
        Hardware.connect(setup.peripherals().get(0));
        given().get("/deployment/" + setup.id()).then().body("online", equalTo(true));
    }

    @Test
    void devicesOfSomeoneElseOrTwiceOrMalformedAreRefused() {
        Account owner = Accounts.someone();
        Account other = Accounts.someone();
        String type = Hardware.newType();
        String mine = RegistryStub.enrol(owner.id());
        String theirs = RegistryStub.enrol(other.id());
        create(owner, Map.of("type", type, "host", theirs))
                .statusCode(400)
                .body("error_message", equalTo("no device " + theirs + " of yours is enrolled"));
        create(owner, Map.of("type", type, "host", mine, "peripherals", List.of(theirs)))
                .statusCode(400);
        create(owner, Map.of("type", type, "host", mine, "peripherals", List.of(mine)))
                .statusCode(400)
                .body("error_message", equalTo("a device may appear only once in a deployment"));
        create(owner, Map.of("type", type, "host", "NOT-A-UUID")).statusCode(400);
        create(owner, Map.of("type", "no_such_type", "host", mine))
                .statusCode(400)
                .body("error_message", equalTo("no workspace type no_such_type"));
        create(owner, Map.of("host", mine)).statusCode(400);
        create(owner, Map.of("type", type, "host", mine, "type_version", "2"))
                .statusCode(400)
                .body("error", equalTo("invalid_json"));
        create(owner, Map.of("type", type, "host", mine)).statusCode(200);
        create(owner, Map.of("type", type, "host", mine))
                .statusCode(409)
                .body("error_message", equalTo("device " + mine + " is the host of a deployment already"));
        given().contentType(ContentType.JSON)
                .body(Map.of("type", type, "host", mine))
                .post("/deployments")
                .then()
                .statusCode(400)
                .body("error_message", equalTo("wrong authorization token"));
    }

    @Test
    void anotherOwnersDeploymentIsUnknownOnTheOwnerRoutes() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "mine");
        String stranger = Accounts.someone().token();
        given().auth()
                .oauth2(stranger)
                .contentType(ContentType.JSON)
                .body(Map.of("desc", "hijacked"))
                .patch("/deployment/" + setup.id())
                .then()
                .statusCode(404)
                .body("error_message", equalTo("no workspace deployment found with given ID"));
        given().auth()
                .oauth2(stranger)
                .delete("/deployment/" + setup.id())
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(stranger)
                .post("/deployment/" + setup.id() + "/lockout")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(stranger)
                .delete("/deployment/" + setup.id() + "/lockout")
                .then()
                .statusCode(404);
        given().get("/deployment/" + setup.id())
                .then()
                .body("desc", equalTo("mine"))
                .body("$", not(hasKey("lockout")));
        // An admin manages every deployment.
        given().auth()
                .oauth2(Accounts.mintedAdmin())
                .contentType(ContentType.JSON)
                .body(Map.of("desc", "fixed by an admin", "region", "Lab 4", "type_version", 3))
                .patch("/deployment/" + setup.id())
                .then()
                .statusCode(200)
                .body("desc", equalTo("fixed by an admin"))
                .body("region", equalTo("Lab 4"))
                .body("type_version", equalTo(3));
    }

    @Test
    void pathVariantsOfTheOwnerRoutesGiveAStrangerNothing() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "mine");
        String stranger = Accounts.someone().token();
        String base = "/deployment/" + setup.id();
        for (String path : List.of(
                base,
                base + "/",
                base + ";x=1",
                "/deployment/" + setup.id().replace("-", "%2D"),
                base + "/lockout",
                base + "/lockout/",
                base + "/lockout;terminate=true",
                "/deployment/" + setup.id() + ";p=1/lockout")) {
            int deleted = given().urlEncodingEnabled(false)
                    .auth()
                    .oauth2(stranger)
                    .delete(path)
                    .then()
                    .extract()
                    .statusCode();
            int posted = given().urlEncodingEnabled(false)
                    .auth()
                    .oauth2(stranger)
                    .post(path)
                    .then()
                    .extract()
                    .statusCode();
            assertEquals(true, deleted >= 400 && posted >= 400, path + ": " + deleted + ", " + posted);
        }
        given().get(base)
                .then()
                .statusCode(200)
                .body("$", not(hasKey("lockout")))
                .body("$", not(hasKey("dissolved")));
    }

    @Test
    void aLockoutIsShownToEveryoneAndLiftedByTheOwner() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "locked");
        given().auth()
                .oauth2(setup.owner().token())
                .post("/deployment/" + setup.id() + "/lockout")
                .then()
                .statusCode(200)
                .body("lockout", equalTo(true));
        given().get("/deployment/" + setup.id()).then().body("lockout", equalTo(true));
        given().auth()
                .oauth2(setup.owner().token())
                .delete("/deployment/" + setup.id() + "/lockout")
                .then()
                .statusCode(200)
                .body("$", not(hasKey("lockout")));
    }

    @Test
    void aRetiredDeploymentLeavesTheListsButItsPageSaysSince() {
        String type = Hardware.newType();
        Setup setup = Hardware.online(Accounts.someone(), type, 0, "lab", "old");
        given().auth()
                .oauth2(setup.owner().token())
                .delete("/deployment/" + setup.id())
                .then()
                .statusCode(200)
                .body("dissolved", notNullValue())
                .body("online", equalTo(false));
        given().get("/deployments/" + type).then().body("workspace_deployments", empty());
        // Its host may serve in a new deployment.
        create(setup.owner(), Map.of("type", type, "host", setup.host())).statusCode(200);
    }

    @Test
    void unknownAndNonCanonicalIdsAreNotFound() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        for (String id : List.of(
                UUID.randomUUID().toString(),
                setup.id().toUpperCase(),
                setup.id().replace("-", ""),
                "x",
                "%00")) {
            given().urlEncodingEnabled(false).get("/deployment/" + id).then().statusCode(id.equals("%00") ? 400 : 404);
            given().urlEncodingEnabled(false).get("/queuelen/" + id).then().statusCode(id.equals("%00") ? 400 : 404);
        }
    }

    @Test
    void listingsFilterByTypeQueryAndExclusion() {
        Account owner = Accounts.someone();
        String alpha = Hardware.newType();
        String beta = Hardware.newType();
        Setup a = Hardware.online(owner, alpha, 0, "Oslo", "kobuki base");
        Setup b = Hardware.online(owner, beta, 0, "Lima", "Misty robot");
        Setup c = Hardware.online(owner, beta, 0, "Oslo", "another misty");

        ids("/deployments/" + alpha).body("workspace_deployments", contains(a.id()));
        ids("/deployments?types=" + alpha + "," + beta)
                .body("workspace_deployments", containsInAnyOrder(a.id(), b.id(), c.id()));
        // types wins over the path's type
        ids("/deployments/" + alpha + "?types=" + beta)
                .body("workspace_deployments", containsInAnyOrder(b.id(), c.id()));
        ids("/deployments?q=MISTY&types=" + alpha + "," + beta)
                .body("workspace_deployments", containsInAnyOrder(b.id(), c.id()));
        ids("/deployments?q=oslo&types=" + alpha + "," + beta)
                .body("workspace_deployments", containsInAnyOrder(a.id(), c.id()));
        ids("/deployments?q=" + alpha.substring(0, 10) + "&types=" + alpha + "," + beta)
                .body("workspace_deployments", contains(a.id()));
        // q's wildcards match only themselves
        ids("/deployments?q=%25&types=" + alpha + "," + beta).body("workspace_deployments", empty());
        ids("/deployments?q=kobuki_base&types=" + alpha + "," + beta).body("workspace_deployments", empty());
        // !name leaves a type out, as the clients send types=!user_provided
        List<String> all = given().get("/deployments?types=!" + alpha)
                .then()
                .statusCode(200)
                .extract()
                .path("workspace_deployments");
        assertEquals(true, all.contains(b.id()) && all.contains(c.id()) && !all.contains(a.id()));
        given().get("/deployments?types=bad-name").then().statusCode(400);
    }

    @Test
    void everySortOrder() {
        Account owner = Accounts.someone();
        String x = "a" + Hardware.newType();
        String y = "b" + x.substring(1);
        for (String name : List.of(x, y)) {
            given().auth()
                    .oauth2(Accounts.mintedAdmin())
                    .contentType(ContentType.JSON)
                    .body(Map.of("name", name))
                    .post("/workspaces")
                    .then()
                    .statusCode(200);
        }
        Setup first = Hardware.online(owner, y, 0, "r", "first");
        Setup second = Hardware.online(owner, x, 0, "r", "second");
        Setup third = Hardware.online(owner, y, 0, "r", "third");
        // second has completed one instantiation
        Hardware.release(Hardware.allocated(owner, Map.of("deployment", second.id())))
                .statusCode(200);
        String types = "&types=" + x + "," + y;
        ids("/deployments?sort_by=inc_wtype" + types)
                .body("workspace_deployments", contains(second.id(), first.id(), third.id()));
        ids("/deployments?" + types.substring(1))
                .body("workspace_deployments", contains(second.id(), first.id(), third.id()));
        ids("/deployments?sort_by=dec_wtype" + types)
                .body("workspace_deployments", contains(first.id(), third.id(), second.id()));
        ids("/deployments?sort_by=inc_created" + types)
                .body("workspace_deployments", contains(first.id(), second.id(), third.id()));
        ids("/deployments?sort_by=dec_created" + types)
                .body("workspace_deployments", contains(third.id(), second.id(), first.id()));
        ids("/deployments?sort_by=inc_count" + types)
                .body("workspace_deployments", contains(first.id(), third.id(), second.id()));
        ids("/deployments?sort_by=dec_count" + types)
                .body("workspace_deployments", contains(second.id(), first.id(), third.id()));
        given().get("/deployments?sort_by=by_mood").then().statusCode(400).body("error", equalTo("bad_request"));
    }

    @Test
    void infoMaxlenAndPaging() {
        Account owner = Accounts.someone();
        String type = Hardware.newType();
        Setup idle = Hardware.online(owner, type, 0, "r", "idle");
        Setup busy = Hardware.online(owner, type, 0, "r", "busy");
        Setup third = Hardware.online(owner, type, 0, "r", "third");
        Hardware.allocated(owner, Map.of("deployment", busy.id()));
        String base = "/deployments/" + type + "?sort_by=inc_created";

        given().get(base + "&info=t")
                .then()
                .body("info." + busy.id() + ".queuelen", equalTo(1))
                .body("info." + idle.id() + ".queuelen", equalTo(0))
                .body("info." + idle.id() + ".type", equalTo(type))
                .body("info." + idle.id() + ".online", equalTo(true))
                .body("info." + idle.id() + ".desc", equalTo("idle"))
                .body("info." + idle.id() + ".icounter", equalTo(0));
        given().get(base + "&info").then().body("info", notNullValue());
        for (String no : List.of("f", "false", "0", "FALSE")) {
            given().get(base + "&info=" + no).then().body("info", nullValue());
        }
        ids(base + "&maxlen=0").body("workspace_deployments", contains(idle.id(), third.id()));
        ids(base + "&maxlen=1").body("workspace_deployments", contains(idle.id(), busy.id(), third.id()));
        ids(base + "&maxlen=u").body("workspace_deployments", contains(idle.id(), busy.id(), third.id()));
        for (String bad : List.of("-1", "x", "1.5")) {
            given().get(base + "&maxlen=" + bad).then().statusCode(400).body("error", equalTo("bad_request"));
        }

        ids(base + "&max_per_page=2")
                .body("workspace_deployments", contains(idle.id(), busy.id()))
                .body("page_count", equalTo(2));
        ids(base + "&max_per_page=2&page=2").body("workspace_deployments", contains(third.id()));
        ids(base + "&max_per_page=2&page=9").body("workspace_deployments", contains(third.id()));
        ids(base + "&max_per_page=2&page=0").body("workspace_deployments", contains(idle.id(), busy.id()));
        ids(base + "&max_per_page=0&page=3")
                .body("workspace_deployments", contains(idle.id(), busy.id(), third.id()))
                .body("page_count", equalTo(1));
        for (String bad : List.of("max_per_page=-1", "max_per_page=two", "page=-3", "page=x")) {
            given().get(base + "&" + bad).then().statusCode(400).body("error", equalTo("bad_request"));
        }
        ids("/deployments/no_deployments_of_this_type")
                .body("workspace_deployments", empty())
                .body("page_count", equalTo(1));
    }

    @Test
    void aWrongTokenIsRefusedWith400EvenWhereNoneIsNeeded() {
        Setup setup = Hardware.online(Accounts.someone(), Hardware.newType(), 0, "lab", "x");
        for (String token : List.of(
                TestTokens.expired(UUID.randomUUID().toString()),
                TestTokens.signedByStranger(UUID.randomUUID().toString()),
                "not.a.token")) {
            for (String path : List.of(
                    "/workspaces",
                    "/deployments",
                    "/deployment/" + setup.id(),
                    "/queuelen/" + setup.id(),
                    "/rules",
                    "/reservations")) {
                given().auth()
                        .oauth2(token)
                        .get(path)
                        .then()
                        .statusCode(400)
                        .body("error_message", equalTo("wrong authorization token"));
            }
        }
    }

    private static io.restassured.response.ValidatableResponse ids(String path) {
        return given().get(path).then().statusCode(200);
    }

    private static io.restassured.response.ValidatableResponse create(Account owner, Map<String, Object> body) {
        return given().auth()
                .oauth2(owner.token())
                .contentType(ContentType.JSON)
                .body(body)
                .post("/deployments")
                .then();
    }
}

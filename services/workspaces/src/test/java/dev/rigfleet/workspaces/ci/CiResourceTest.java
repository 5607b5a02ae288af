package dev.rigfleet.workspaces.ci;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.GitServer;
import dev.rigfleet.common.testing.PostgresTestResource;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.workspaces.Accounts;
import dev.rigfleet.workspaces.hardware.RegistryStub;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CI routes' HTTP contract (docs/ci.md) against real repositories served by {@code git daemon} and read from disk.
 * There is no instances service here: a job that could run is claimed by the replica's runner and ends {@code error};
 * these tests rely only on jobs whose repository has no valid {@code .rigfleet.yml}, which end at once.
 */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
@WithTestResource(PostgresTestResource.class)
@WithTestResource(RegistryStub.class)
class CiResourceTest {

    private static final String WRONG_TOKEN = "wrong authorization token";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final String BAD_TIMEOUT = "workspace: kobuki\ntimeout: ten minutes\nsteps:\n  - make\n";

    private static GitServer server;
    /** No .rigfleet.yml: main has two commits, feature one more that main does not reach. */
    private static GitServer.Repo plain;

    private static String plainFirst;
    private static String plainHead;
    private static String featureHead;
    /** A .rigfleet.yml whose line 2 is an invalid timeout. */
    private static GitServer.Repo invalid;

    @Inject
    Pool pool;

    @TestHTTPResource("/")
    URL root;

    @BeforeAll
    static void startGitServer() throws Exception {
        server = GitServer.start();
        // Not Ed25519: this module's plain tests and its Quarkus tests share a JVM, where BouncyCastle registered
        // from one class loader hands sshd in the other Ed25519 keys it cannot cast. The e2e tests use Ed25519.
        server.startSsh("ecdsa");
        plain = server.repository("plain");
        plainFirst = plain.commit("main", Map.of("README.md", "no configuration\n"), "first");
        plainHead = plain.commit("main", Map.of("README.md", "still no configuration\n"), "second");
        featureHead = plain.commit("feature", Map.of("feature.txt", "only here\n"), "feature");
        invalid = server.repository("invalid");
        invalid.commit("main", Map.of(".rigfleet.yml", BAD_TIMEOUT), "a timeout that is no duration");
    }

    @AfterAll
    static void stopGitServer() throws Exception {
        server.close();
    }

    @Test
    void everyRouteWithoutATokenIsTheWrongAuthorizationToken() {
        User owner = User.create();
        String pid = newProject(owner, plain.fileUrl());
        String jid = newJob(owner, pid, "main");
        Stored before = stored(owner);
        String job = "/ci/job/" + jid;
        String spec = specBody("anonymous", plain.fileUrl(), "main");
        List<ValidatableResponse> answers = List.of(
                given().contentType(ContentType.JSON)
                        .body(Map.of("repo_url", plain.fileUrl()))
                        .post("/ci/new")
                        .then(),
                given().contentType(ContentType.JSON).body(spec).post("/ci/new").then(),
                given().get("/ci/projects").then(),
                given().contentType(ContentType.JSON)
                        .body(jobBody("main"))
                        .post("/ci/project/" + pid + "/job")
                        .then(),
                given().get("/ci/jobs").then(),
                given().get(job).then(),
                given().accept(ContentType.TEXT).get(job + "/log").then(),
                given().accept("text/event-stream").get(job + "/log").then(),
                given().get(job + "/results").then(),
                given().post(job + "/cancel").then(),
                given().get("/ci/ssh-key").then());
        for (ValidatableResponse answer : answers) {
            answer.statusCode(400).contentType(ContentType.JSON).body("error_message", equalTo(WRONG_TOKEN));
        }
        assertEquals(before, stored(owner));
        owner.get(job).statusCode(200).body("cancel_asked", equalTo(false));
    }

    @Test
    void anotherUsersProjectAndJobAreNotFoundWhateverThePathLooksLike() throws Exception {
        User owner = User.create();
        String pid = newProject(owner, plain.fileUrl());
        String jid = newJob(owner, pid, "main");
        User stranger = User.create();
        Stored before = stored(owner);

        // The owner is answered on each route: the 404s below are the stranger's, not the routes'.
        owner.get("/ci/job/" + jid).statusCode(200);
        owner.get("/ci/job/" + jid + "/log").statusCode(200);
        assertEquals(200, events(owner, "/ci/job/" + jid + "/log").status());
        owner.get("/ci/job/" + jid + "/results").statusCode(200);
        owner.post("/ci/job/" + jid + "/cancel", "").statusCode(200);

        // Collected, so that one wrong answer does not hide the others.
        List<String> eventStreamLeaks = new ArrayList<>();
        List<String> jobRoutes = List.of("/ci/job/%s", "/ci/job/%s/log", "/ci/job/%s/results", "/ci/job/%s/cancel");
        for (String route : jobRoutes) {
            for (String path : variants(route, jid)) {
                RequestSpecification request = stranger.request().urlEncodingEnabled(false);
                ValidatableResponse answer = route.endsWith("/cancel")
                        ? request.post(path).then()
                        : request.get(path).then();
                answer.statusCode(404).body("error_message", notNullValue());
                if (route.endsWith("/log")) {
                    stranger.request()
                            .urlEncodingEnabled(false)
                            .accept(ContentType.TEXT)
                            .get(path)
                            .then()
                            .statusCode(404);
                    EventStream stream = events(stranger, path);
                    if (stream.status() != 404 || !stream.body().contains("error_message")) {
                        eventStreamLeaks.add(path + " -> " + stream.status() + " " + stream.body());
                    }
                }
            }
        }
        for (String path : variants("/ci/project/%s/job", pid)) {
            stranger.request()
                    .urlEncodingEnabled(false)
                    .contentType(ContentType.JSON)
                    .body(jobBody("main"))
                    .post(path)
                    .then()
                    .statusCode(404)
                    .body("error_message", notNullValue());
        }

        // A job that does not exist is answered as another user's.
        String unknown = "/ci/job/" + UUID.randomUUID() + "/log";
        stranger.get(unknown).statusCode(404);
        EventStream unknownStream = events(stranger, unknown);
        if (unknownStream.status() != 404 || !unknownStream.body().contains("error_message")) {
            eventStreamLeaks.add(unknown + " -> " + unknownStream.status() + " " + unknownStream.body());
        }

        stranger.get("/ci/jobs").statusCode(200).body("jobs", empty()).body("page_count", equalTo(1));
        stranger.get("/ci/projects").statusCode(200).body("$", anEmptyMap());
        assertEquals(new Stored(0, 0), stored(stranger));
        assertEquals(before, stored(owner));
        owner.get("/ci/job/" + jid)
                .statusCode(200)
                .body("status", equalTo("error"))
                .body("cancel_asked", equalTo(false));
        owner.get("/ci/jobs").body("jobs.id", equalTo(List.of(jid)));
        assertEquals(Set.of(pid), projectIds(owner));
        assertEquals(
                List.of(),
                eventStreamLeaks,
                "another user's job as server-sent events must be a 404 with the common error body");
    }

    @Test
    void aBadNewBodyIsRefusedAndStoresNothing() {
        User owner = User.create();
        String url = plain.fileUrl();
        String nested = "{\"ns\": {\"a\": 1}, \"repo_type\": \"git\", \"repo_branch\": \"main\", \"repo_url\": \"" + url
                + "\"}";
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("{\"repo_url\": ", null);
        refusals.put("repo_url=" + url, null);
        refusals.put("", null);
        refusals.put("[{\"repo_url\": \"" + url + "\"}]", "the request body must be a JSON object");
        refusals.put("\"" + url + "\"", "the request body must be a JSON object");
        refusals.put("null", null);
        refusals.put("{\"repo_url\": 7}", "repo_url must be a non-empty string");
        refusals.put("{\"repo_url\": \"\"}", "repo_url must be a non-empty string");
        refusals.put("{}", "request is missing required parameter: repo_url");
        refusals.put(nested, "ns must be a non-empty string");
        refusals.put("{\"repo_url\": \"" + url + "\", \"repo_url\": \"" + url + "\"}", null);
        refusals.put("{\"repo_url\": \"" + url + "\", \"branch\": \"main\"}", null);
        refusals.put(specBody("n", url, "main").replace("}", ", \"extra\": 1}"), null);
        refusals.put("{\"repo_url\": \"file:///tmp/a\\u0000b\"}", null);
        refusals.put(specBody("a\\u0000b", url, "main"), null);
        refusals.put("{\"repo_url\": \"https://example.org/" + "x".repeat(2000) + "\"}", null);
        for (String bad :
                List.of("http://example.org/x.git", "ftp://example.org/x.git", "https:///x.git", "git:///x.git")) {
            refusals.put("{\"repo_url\": \"" + bad + "\"}", null);
            refusals.put(specBody("n", bad, "main"), null);
        }
        Map<String, String> badSsh = Map.of(
                "ssh://example.org/x.git",
                "an ssh:// repo_url names its user, as in ssh://git@host/owner/repo.git",
                "ssh://git:secret@example.org/x.git",
                "an ssh:// repo_url holds no password: jobs sign in with your git SSH key (GET /ci/ssh-key)",
                "git@example.org:owner/x.git",
                "repo_url must be a URL: write git@example.org:owner/x.git as ssh://git@example.org/owner/x.git");
        badSsh.forEach((bad, why) -> {
            refusals.put("{\"repo_url\": \"" + bad + "\"}", why);
            refusals.put(specBody("n", bad, "main"), why);
        });
        refusals.put(
                "{\"ns\": \"n\", \"repo_type\": \"svn\", \"repo_branch\": \"main\", \"repo_url\": \"" + url + "\"}",
                "repo_type must be git");
        refusals.put(
                "{\"ns\": \"n\", \"repo_branch\": \"main\", \"repo_url\": \"" + url + "\"}",
                "request is missing required parameter: repo_type");
        refusals.put(
                "{\"repo_type\": \"git\", \"repo_branch\": \"main\", \"repo_url\": \"" + url + "\"}",
                "request is missing required parameter: ns");
        refusals.put(
                "{\"ns\": \"\", \"repo_type\": \"git\", \"repo_branch\": \"main\", \"repo_url\": \"" + url + "\"}",
                "ns must be a non-empty string");
        refusals.put(
                "{\"ns\": \"n\", \"repo_type\": \"git\", \"repo_branch\": \"main\", \"repo_commit\": \"" + plainHead
                        + "\", \"repo_url\": \"" + url + "\"}",
                "give one of repo_branch and repo_commit");
        refusals.put(
                "{\"ns\": \"n\", \"repo_type\": \"git\", \"repo_url\": \"" + url + "\"}",
                "give one of repo_branch and repo_commit");
        refusals.put(specBody("n", url, "a..b"), "branch \"a..b\" is not a valid branch name");
        for (String commit : List.of("xyz1234", "abc12", "a".repeat(41), plainHead.substring(0, 6))) {
            refusals.put(specCommitBody("n", url, commit), "commit must be 7 to 40 hexadecimal digits");
        }

        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            ValidatableResponse answer = owner.post("/ci/new", refusal.getKey())
                    .statusCode(400)
                    .contentType(ContentType.JSON)
                    .body("error_message", notNullValue())
                    .body("status", equalTo(400));
            if (refusal.getValue() != null) {
                answer.body("error_message", equalTo(refusal.getValue()));
            }
        }
        owner.post("/ci/new", "{\"repo_url\": \"" + url + "\", \"eurl\": \"" + "x".repeat(17 * 1024) + "\"}")
                .statusCode(413)
                .contentType(ContentType.JSON)
                .body("error", equalTo("request_entity_too_large"))
                .body("error_message", startsWith("request body too large"))
                .body("status", equalTo(413));

        assertEquals(new Stored(0, 0), stored(owner));
        owner.get("/ci/projects").body("$", anEmptyMap());
        owner.get("/ci/jobs").body("jobs", empty());
    }

    @Test
    void aSpecFormWhoseRepositoryCannotBeReadIsRefusedAndStoresNothing() throws Exception {
        User owner = User.create();
        String closed = "git://127.0.0.1:" + closedPort() + "/nothing.git";
        String missing = "file:///nonexistent/" + UUID.randomUUID() + ".git";
        List<ValidatableResponse> answers = List.of(
                owner.post("/ci/new", specBody("a", plain.url(), "nope"))
                        .body("error_message", equalTo("branch \"nope\" not found in " + plain.url())),
                owner.post("/ci/new", specBody("b", plain.fileUrl(), "nope"))
                        .body("error_message", startsWith("branch \"nope\" not found in ")),
                owner.post("/ci/new", specCommitBody("d", plain.url(), "0123456789abcdef0123456789abcdef01234567"))
                        .body("error_message", containsString("not found on any branch of " + plain.url())),
                owner.post("/ci/new", specBody("e", closed, "main"))
                        .body("error_message", startsWith("cannot fetch " + closed)),
                owner.post("/ci/new", specBody("f", missing, "main"))
                        .body("error_message", containsString("/nonexistent/")));
        for (ValidatableResponse answer : answers) {
            answer.statusCode(400).contentType(ContentType.JSON);
        }
        owner.get("/ci/jobs").body("jobs", empty());
        // docs/ci.md: a repository that cannot be read is a 400 at submission, and nothing is made.
        assertEquals(new Stored(0, 0), stored(owner), "rows left by refused spec-form submissions");
        owner.get("/ci/projects").body("$", anEmptyMap());
    }

    @Test
    void aBadJobBodyIsRefusedAndStoresNothing() throws Exception {
        User owner = User.create();
        String pid = newProject(owner, plain.url());
        String job = "/ci/project/" + pid + "/job";
        Stored before = stored(owner);
        assertEquals(new Stored(1, 0), before);

        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("{\"branch\": ", null);
        refusals.put("branch=main", null);
        refusals.put("", null);
        refusals.put("[\"main\", null]", "the request body must be a JSON object");
        refusals.put("\"main\"", "the request body must be a JSON object");
        refusals.put("{\"branch\": 7, \"commit\": null}", "branch must be a non-empty string");
        refusals.put("{\"branch\": {\"name\": \"main\"}, \"commit\": null}", "branch must be a non-empty string");
        refusals.put("{\"branch\": \"main\", \"commit\": 7}", "commit must be a non-empty string");
        refusals.put("{\"branch\": \"main\", \"branch\": \"feature\", \"commit\": null}", null);
        refusals.put("{\"branch\": \"main\", \"commit\": null, \"ns\": \"x\"}", null);
        refusals.put("{\"branch\": \"ma\\u0000in\", \"commit\": null}", null);
        refusals.put("{\"branch\": \"main\"}", null);
        refusals.put("{\"commit\": \"" + plainHead + "\"}", null);
        refusals.put("{}", null);
        refusals.put("{\"branch\": null, \"commit\": null}", "request is missing required parameter: branch");
        refusals.put(jobBody("a..b"), "branch \"a..b\" is not a valid branch name");
        refusals.put(jobBody("main", "xyz1234"), "commit must be 7 to 40 hexadecimal digits");
        refusals.put(jobBody("main", "abc12"), "commit must be 7 to 40 hexadecimal digits");
        refusals.put(jobBody("nope"), "branch \"nope\" not found in " + plain.url());
        refusals.put(
                jobBody("main", featureHead), "commit " + featureHead + " is not on branch \"main\" of " + plain.url());
        refusals.put(
                jobBody("main", "0123456789abcdef0123456789abcdef01234567"),
                "commit 0123456789abcdef0123456789abcdef01234567 not found on any branch of " + plain.url());

        for (Map.Entry<String, String> refusal : refusals.entrySet()) {
            ValidatableResponse answer = owner.post(job, refusal.getKey())
                    .statusCode(400)
                    .contentType(ContentType.JSON)
                    .body("error_message", notNullValue());
            if (refusal.getValue() != null) {
                answer.body("error_message", equalTo(refusal.getValue()));
            }
        }
        owner.post(job, "{\"branch\": \"" + "x".repeat(17 * 1024) + "\", \"commit\": null}")
                .statusCode(413)
                .contentType(ContentType.JSON)
                .body("error", equalTo("request_entity_too_large"))
                .body("error_message", startsWith("request body too large"));
        owner.post("/ci/project/" + UUID.randomUUID() + "/job", jobBody("main"))
                .statusCode(404)
                .body("error_message", startsWith("no CI project of yours has id "));

        // A project whose repository is gone is refused when a job is asked of it, naming the URL.
        String closed = "git://127.0.0.1:" + closedPort() + "/gone.git";
        String gone = newProject(owner, closed);
        Stored withGone = stored(owner);
        owner.post("/ci/project/" + gone + "/job", jobBody("main"))
                .statusCode(400)
                .body("error_message", startsWith("cannot fetch " + closed));

        assertEquals(new Stored(2, 0), withGone);
        assertEquals(withGone, stored(owner));
        owner.get("/ci/jobs").body("jobs", empty());
    }

    @Test
    void theProjectFormIsAnsweredAsRerobotsPyExpects() {
        User owner = User.create();
        Instant before = Instant.now();
        Map<String, Object> made = owner.post("/ci/new", "{\"repo_url\": \"" + plain.url() + "\"}")
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("$");
        assertEquals(Set.of("success", "pid"), made.keySet());
        assertEquals(true, made.get("success"));
        String pid = (String) made.get("pid");
        assertEquals(pid, UUID.fromString(pid).toString());
        assertEquals(new Stored(1, 0), stored(owner));

        Map<String, Map<String, Object>> projects =
                owner.get("/ci/projects").statusCode(200).extract().jsonPath().getMap("$");
        assertEquals(Set.of(pid), projects.keySet());
        assertEquals(Set.of("repo_url", "created"), projects.get(pid).keySet());
        assertEquals(plain.url(), projects.get(pid).get("repo_url"));
        Instant created = Instant.parse((String) projects.get(pid).get("created"));
        assertTrue(!created.isBefore(before.minusSeconds(1)) && !created.isAfter(Instant.now()), created.toString());

        // rerobots/py's submit_ci_job sends both keys, commit null for the branch's head.
        Map<String, Object> submitted = owner.post(
                        "/ci/project/" + pid + "/job", "{\"branch\": \"main\", \"commit\": null}")
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("$");
        assertEquals(Set.of("jid"), submitted.keySet());
        String jid = (String) submitted.get("jid");
        assertEquals(jid, UUID.fromString(jid).toString());
        owner.get("/ci/job/" + jid)
                .statusCode(200)
                .body("id", equalTo(jid))
                .body("pid", equalTo(pid))
                .body("branch", equalTo("main"))
                .body("commit", nullValue())
                .body("revision", equalTo(plainHead));

        // A commit on the branch runs that commit; the body is read as JSON whatever its Content-Type says.
        String older = owner.request()
                .contentType(ContentType.TEXT)
                .body(jobBody("main", plainFirst.substring(0, 10)))
                .post("/ci/project/" + pid + "/job")
                .then()
                .statusCode(200)
                .extract()
                .path("jid");
        owner.get("/ci/job/" + older)
                .body("commit", equalTo(plainFirst.substring(0, 10)))
                .body("revision", equalTo(plainFirst));
        assertEquals(new Stored(1, 2), stored(owner));
    }

    @Test
    void theSpecFormMakesItsProjectOnceAndAJobEachTime() {
        User owner = User.create();
        Map<String, Object> first = owner.post("/ci/new", specBody("org/board", plain.url(), "main"))
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("$");
        assertEquals(Set.of("success", "pid", "id"), first.keySet());
        assertEquals(true, first.get("success"));
        String pid = (String) first.get("pid");
        String id = (String) first.get("id");
        assertEquals(pid, UUID.fromString(pid).toString());
        assertEquals(id, UUID.fromString(id).toString());

        Map<String, Object> again = owner.post("/ci/new", specCommitBody("org/board", plain.url(), plainFirst))
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("$");
        assertEquals(pid, again.get("pid"));
        assertNotEquals(id, again.get("id"));
        owner.get("/ci/job/" + again.get("id"))
                .body("pid", equalTo(pid))
                .body("branch", nullValue())
                .body("commit", equalTo(plainFirst))
                .body("revision", equalTo(plainFirst));
        owner.get("/ci/job/" + id).body("branch", equalTo("main")).body("revision", equalTo(plainHead));

        // Another namespace, or another URL, is another project; file:// is accepted where the platform allows it.
        String otherNs = owner.post("/ci/new", specBody("org/other", plain.url(), "main"))
                .statusCode(200)
                .extract()
                .path("pid");
        String otherUrl = owner.post("/ci/new", specBody("org/board", plain.fileUrl(), "main"))
                .statusCode(200)
                .extract()
                .path("pid");
        assertEquals(3, Set.of(pid, otherNs, otherUrl).size());
        assertEquals(Set.of(pid, otherNs, otherUrl), projectIds(owner));
        assertEquals(new Stored(3, 4), stored(owner));
    }

    @Test
    void aJobWithoutARigfleetYmlEndsInErrorAtOnceAndItsRoutesSaySo() throws Exception {
        User owner = User.create();
        String jid = owner.post("/ci/new", specBody("missing", plain.url(), "main"))
                .statusCode(200)
                .extract()
                .path("id");
        String job = "/ci/job/" + jid;

        owner.get(job)
                .statusCode(200)
                .body("status", equalTo("error"))
                .body("reason", startsWith(".rigfleet.yml is missing"))
                .body("reason", containsString(plainHead))
                .body("timeout", equalTo(false))
                .body("revision", equalTo(plainHead))
                .body("created", notNullValue())
                .body("ended", notNullValue())
                .body("started", nullValue())
                .body("cancel_asked", equalTo(false))
                .body("config", nullValue())
                .body("steps", empty())
                .body("log_bytes", equalTo(0))
                .body("log_truncated", equalTo(false));

        Map<String, Object> results =
                owner.get(job + "/results").statusCode(200).extract().jsonPath().getMap("$");
        Map<String, Object> noResults = new LinkedHashMap<>();
        noResults.put("id", jid);
        noResults.put("status", "error");
        noResults.put("tests", 0);
        noResults.put("failures", 0);
        noResults.put("errors", 0);
        noResults.put("skipped", 0);
        noResults.put("failed", List.of());
        assertEquals(noResults, results);

        for (RequestSpecification text : List.of(
                owner.request().accept(ContentType.TEXT),
                owner.request(),
                owner.request().accept("*/*"))) {
            text.get(job + "/log")
                    .then()
                    .statusCode(200)
                    .contentType(startsWith("text/plain"))
                    .header("X-Job-Status", "error")
                    .header("X-Log-Next-Offset", "0")
                    .body(equalTo(""));
        }
        for (String offset : List.of("-1", "abc", "1.5")) {
            owner.request()
                    .accept(ContentType.TEXT)
                    .queryParam("offset", offset)
                    .get(job + "/log")
                    .then()
                    .statusCode(400)
                    .contentType(ContentType.JSON)
                    .body("error_message", equalTo("offset must be a whole number of bytes, 0 or more"));
            EventStream refused = events(owner, job + "/log?offset=" + offset);
            assertEquals(400, refused.status(), refused.body());
        }

        EventStream stream = events(owner, job + "/log");
        assertEquals(200, stream.status(), stream.body());
        assertTrue(stream.header("Content-Type").startsWith("text/event-stream"), stream.header("Content-Type"));
        assertEquals("no", stream.header("X-Accel-Buffering"));
        List<Event> events = Event.parse(stream.body());
        assertEquals(1, events.size(), stream.body());
        Event end = events.get(0);
        assertEquals("end", end.name());
        assertTrue(end.data().contains("\"status\":\"error\""), end.data());
        assertTrue(end.data().contains(".rigfleet.yml is missing"), end.data());

        owner.post(job + "/cancel", "")
                .statusCode(200)
                .body("id", equalTo(jid))
                .body("status", equalTo("error"))
                .body("cancel_asked", equalTo(false));
        owner.get(job)
                .body("status", equalTo("error"))
                .body("cancel_asked", equalTo(false))
                .body("reason", startsWith(".rigfleet.yml is missing"));
        owner.get("/ci/job/" + UUID.randomUUID())
                .statusCode(404)
                .body("error_message", startsWith("no CI job of yours has id "));
    }

    @Test
    void anInvalidRigfleetYmlEndsTheJobWithTheLineAndTheKey() {
        User owner = User.create();
        String pid = newProject(owner, invalid.url());
        String jid = newJob(owner, pid, "main");
        owner.get("/ci/job/" + jid)
                .statusCode(200)
                .body("status", equalTo("error"))
                .body("reason", startsWith(".rigfleet.yml, line 2, key \"timeout\""))
                .body("reason", containsString("\"ten minutes\" is not a duration"))
                .body("ended", notNullValue())
                .body("steps", empty());
        owner.get("/ci/jobs").body("jobs[0].reason", startsWith(".rigfleet.yml, line 2, key \"timeout\""));
    }

    @Test
    void theJobListFiltersByNamespaceAndPages() {
        User owner = User.create();
        String alpha1 = owner.post("/ci/new", specBody("alpha", plain.url(), "main"))
                .statusCode(200)
                .extract()
                .path("id");
        String beta = owner.post("/ci/new", specBody("beta", plain.url(), "main"))
                .statusCode(200)
                .extract()
                .path("id");
        String alpha2 = owner.post("/ci/new", specCommitBody("alpha", plain.url(), plainFirst))
                .statusCode(200)
                .extract()
                .path("id");
        String loose = newJob(owner, newProject(owner, plain.url()), "feature");
        // Another user's jobs in a namespace of the same name are not listed.
        User other = User.create();
        other.post("/ci/new", specBody("alpha", plain.url(), "main")).statusCode(200);

        owner.get("/ci/jobs?ns=alpha")
                .statusCode(200)
                .body("jobs.id", equalTo(List.of(alpha2, alpha1)))
                .body("page_count", equalTo(1));
        owner.get("/ci/jobs?ns=beta").body("jobs.id", equalTo(List.of(beta)));
        owner.get("/ci/jobs?ns=gamma").statusCode(200).body("jobs", empty());
        owner.get("/ci/jobs").body("jobs.id", equalTo(List.of(loose, alpha2, beta, alpha1)));
        Map<String, Object> summary =
                owner.get("/ci/jobs?ns=beta").extract().jsonPath().getMap("jobs[0]");
        assertEquals(
                Set.of(
                        "id",
                        "pid",
                        "status",
                        "reason",
                        "timeout",
                        "branch",
                        "commit",
                        "revision",
                        "created",
                        "started",
                        "ended"),
                summary.keySet());

        owner.get("/ci/jobs?max_per_page=1&page=2")
                .statusCode(200)
                .body("jobs.id", equalTo(List.of(alpha2)))
                .body("page_count", equalTo(4));
        owner.get("/ci/jobs?ns=alpha&max_per_page=1&page=2")
                .body("jobs.id", equalTo(List.of(alpha1)))
                .body("page_count", equalTo(2));
        // A page past the end is the last page; max_per_page 0 is one page of all.
        owner.get("/ci/jobs?max_per_page=3&page=9")
                .body("jobs.id", equalTo(List.of(alpha1)))
                .body("page_count", equalTo(2));
        owner.get("/ci/jobs?max_per_page=0").body("jobs", hasSize(4)).body("page_count", equalTo(1));
        for (String query : List.of("max_per_page=-1", "max_per_page=abc", "page=-1", "page=x")) {
            owner.get("/ci/jobs?" + query)
                    .statusCode(400)
                    .contentType(ContentType.JSON)
                    .body("error_message", notNullValue());
        }
    }

    /**
     * The route with the id, and as variants a client might send it: a trailing slash, matrix parameters, the id in
     * upper case, percent-encoded, without dashes, and no UUID at all.
     */
    private static List<String> variants(String route, String id) {
        String path = route.formatted(id);
        return List.of(
                path,
                path + "/",
                path + ";x=1",
                route.formatted(id + ";x=1"),
                route.formatted(id.toUpperCase()),
                route.formatted(id.replace("-", "%2D")),
                route.formatted("%" + Integer.toHexString(id.charAt(0)) + id.substring(1)),
                route.formatted(id.replace("-", "")),
                route.formatted("not-a-uuid"));
    }

    /** An answer to {@code Accept: text/event-stream}: its status, headers and body as far as it could be read. */
    private record EventStream(int status, HttpHeaders headers, String body) {

        String header(String name) {
            return headers.firstValue(name).orElse("");
        }
    }

    /** {@code Accept: text/event-stream}, read to its end (the job has ended, so the stream does). */
    private EventStream events(User user, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(root.toString().replaceAll("/$", "") + path))
                .header("Authorization", "Bearer " + user.token())
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(20))
                .GET()
                .build();
        HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = response.body()) {
            in.transferTo(body);
        } catch (IOException e) {
            body.writeBytes(("[the stream broke: " + e.getMessage() + "]").getBytes(StandardCharsets.UTF_8));
        }
        return new EventStream(response.statusCode(), response.headers(), body.toString(StandardCharsets.UTF_8));
    }

    /** A server-sent event as the stream gives it. */
    private record Event(String name, String data) {

        static List<Event> parse(String stream) {
            List<Event> events = new ArrayList<>();
            for (String block : stream.split("\\r?\\n\\r?\\n")) {
                String name = null;
                StringBuilder data = null;
                for (String line : block.split("\\r?\\n")) {
                    if (line.startsWith("event:")) {
                        name = line.substring("event:".length()).strip();
                    } else if (line.startsWith("data:")) {
                        String value = line.substring("data:".length());
                        value = value.startsWith(" ") ? value.substring(1) : value;
                        data = data == null
                                ? new StringBuilder(value)
                                : data.append('\n').append(value);
                    }
                }
                if (name != null || data != null) {
                    events.add(new Event(name, data == null ? null : data.toString()));
                }
            }
            return events;
        }
    }

    private static Set<String> projectIds(User owner) {
        return owner.get("/ci/projects")
                .statusCode(200)
                .extract()
                .jsonPath()
                .<String, Object>getMap("$")
                .keySet();
    }

    private static String newProject(User owner, String repoUrl) {
        String pid = owner.post("/ci/new", "{\"repo_url\": \"" + repoUrl + "\"}")
                .statusCode(200)
                .body("success", equalTo(true))
                .extract()
                .path("pid");
        assertNotNull(pid);
        return pid;
    }

    private static String newJob(User owner, String pid, String branch) {
        return newJob(owner, pid, branch, null);
    }

    private static String newJob(User owner, String pid, String branch, String commit) {
        return owner.post("/ci/project/" + pid + "/job", jobBody(branch, commit))
                .statusCode(200)
                .extract()
                .path("jid");
    }

    private static String jobBody(String branch) {
        return jobBody(branch, null);
    }

    private static String jobBody(String branch, String commit) {
        return "{\"branch\": \"" + branch + "\", \"commit\": " + (commit == null ? "null" : "\"" + commit + "\"") + "}";
    }

    private static String specBody(String ns, String url, String branch) {
        return "{\"ns\": \"" + ns + "\", \"repo_type\": \"git\", \"repo_branch\": \"" + branch + "\", \"repo_url\": \""
                + url + "\"}";
    }

    private static String specCommitBody(String ns, String url, String commit) {
        return "{\"ns\": \"" + ns + "\", \"repo_type\": \"git\", \"repo_commit\": \"" + commit + "\", \"repo_url\": \""
                + url + "\"}";
    }

    @Test
    void anSshRepositoryIsReadWithTheOwnersKeyFromTheServerFirstMet() throws Exception {
        User owner = User.create();
        String publicKey = owner.get("/ci/ssh-key")
                .statusCode(200)
                .body("$", aMapWithSize(1))
                .extract()
                .path("public_key");
        assertTrue(publicKey.startsWith("ecdsa-sha2-nistp256 "), publicKey);
        String url = plain.sshUrl();

        // Until the owner adds the key to the repository, the server refuses it, and nothing is made.
        owner.post("/ci/new", specBody("ssh", url, "main"))
                .statusCode(400)
                .body(
                        "error_message",
                        equalTo("cannot fetch " + url + ": the server refused the key (No more authentication methods"
                                + " available); add the key of GET /ci/ssh-key to the repository as a deploy key"));
        assertEquals(new Stored(0, 0), stored(owner));

        server.authorize(publicKey);
        Map<String, Object> made = owner.post("/ci/new", specBody("ssh", url, "main"))
                .statusCode(200)
                .extract()
                .jsonPath()
                .getMap("$");
        String pid = (String) made.get("pid");
        owner.get("/ci/job/" + made.get("id")).body("revision", equalTo(plainHead));
        String serverKey = withoutComment(server.sshHostKey());
        assertEquals(serverKey, storedHostKey(pid));

        // The project form keeps the host key its first job's read met.
        String projectFormPid = newProject(owner, url);
        assertNull(storedHostKey(projectFormPid));
        newJob(owner, projectFormPid, "feature");
        assertEquals(serverKey, storedHostKey(projectFormPid));

        // A server with another key than the project's is refused, whichever form asks.
        String otherKey = withoutComment(RegistryStub.gitPublicKey(UUID.randomUUID()));
        pool.preparedQuery("UPDATE ci_projects SET ssh_host_key = $2 WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(pid), otherKey))
                .await()
                .atMost(Duration.ofSeconds(10));
        Stored before = stored(owner);
        String refusal = "the ssh server of " + url + " offered host key " + serverKey + ", not the project's "
                + otherKey + "; if the server's key really changed, make a new project for it";
        owner.post("/ci/project/" + pid + "/job", jobBody("main"))
                .statusCode(400)
                .body("error_message", equalTo(refusal));
        owner.post("/ci/new", specBody("ssh", url, "main")).statusCode(400).body("error_message", equalTo(refusal));
        assertEquals(before, stored(owner));
        assertEquals(otherKey, storedHostKey(pid));
    }

    @Test
    void eachUserHasAnSshKeyOfTheirOwnAndAnotherUsersDeployKeyDoesNotLetThemIn() throws Exception {
        User alice = User.create();
        User bob = User.create();
        String aliceKey = alice.get("/ci/ssh-key").statusCode(200).extract().path("public_key");
        String bobKey = bob.get("/ci/ssh-key").statusCode(200).extract().path("public_key");
        assertNotEquals(aliceKey, bobKey);
        assertEquals(aliceKey, alice.get("/ci/ssh-key").extract().path("public_key"));

        GitServer.Repo alices = server.repository("alices-" + UUID.randomUUID());
        alices.commit("main", Map.of("README.md", "alice's\n"), "first");
        // Deploy keys are per repository on real hosting services; here one server holds both, so bob's key is
        // never authorized at all.
        server.authorize(aliceKey);
        alice.post("/ci/new", specBody("mine", alices.sshUrl(), "main")).statusCode(200);
        bob.post("/ci/new", specBody("theirs", alices.sshUrl(), "main"))
                .statusCode(400)
                .body("error_message", startsWith("cannot fetch " + alices.sshUrl() + ": "));
        assertEquals(new Stored(0, 0), stored(bob));
    }

    @Test
    void theSshKeyRouteGivesOnlyTheCallersOwnKeyHoweverItsPathIsSpelled() {
        User alice = User.create();
        User bob = User.create();
        String aliceKey = alice.get("/ci/ssh-key").statusCode(200).extract().path("public_key");
        String bobKey = bob.get("/ci/ssh-key").statusCode(200).extract().path("public_key");
        for (String variant :
                List.of("/ci/ssh-key/", "/ci/ssh-key;x=1", "/ci;x=1/ssh-key", "/ci/ssh%2Dkey", "//ci/ssh-key")) {
            ValidatableResponse answer = alice.request()
                    .urlEncodingEnabled(false)
                    .get(variant)
                    .then()
                    .statusCode(anyOf(equalTo(200), equalTo(404)));
            if (answer.extract().statusCode() == 200) {
                answer.body("public_key", equalTo(aliceKey));
            } else {
                answer.contentType(ContentType.JSON).body("error_message", notNullValue());
            }
            assertFalse(answer.extract().body().asString().contains(bobKey), variant);
        }
        // A body, or another method, changes nothing: the route only reads.
        alice.post("/ci/ssh-key", "{\"public_key\": \"" + bobKey + "\"}")
                .statusCode(405)
                .contentType(ContentType.JSON);
        alice.get("/ci/ssh-key").body("public_key", equalTo(aliceKey));
    }

    private String storedHostKey(String pid) {
        return pool.preparedQuery("SELECT ssh_host_key FROM ci_projects WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(pid)))
                .await()
                .atMost(Duration.ofSeconds(10))
                .iterator()
                .next()
                .getString("ssh_host_key");
    }

    private static String withoutComment(String publicKey) {
        String[] fields = publicKey.split(" ");
        return fields[0] + " " + fields[1];
    }

    /** A port on loopback where nothing listens. */
    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The user's rows in ci_projects and ci_jobs, as the database holds them. */
    private record Stored(long projects, long jobs) {}

    private Stored stored(User user) {
        Row row = pool.preparedQuery("SELECT (SELECT count(*) FROM ci_projects p JOIN users u ON u.id = p.owner_id"
                        + " WHERE u.username = $1) AS projects, (SELECT count(*) FROM ci_jobs j JOIN users u"
                        + " ON u.id = j.owner_id WHERE u.username = $1) AS jobs")
                .execute(Tuple.of(user.name()))
                .await()
                .atMost(Duration.ofSeconds(10))
                .iterator()
                .next();
        return new Stored(row.getLong("projects"), row.getLong("jobs"));
    }

    /** A user made through the API (CI rows reference users), with a token of theirs. */
    private record User(String name, String token) {

        static User create() {
            String name = Accounts.newUser();
            return new User(name, Accounts.token(name, Accounts.PASSWORD));
        }

        RequestSpecification request() {
            return given().auth().oauth2(token);
        }

        ValidatableResponse get(String path) {
            return request().get(path).then();
        }

        ValidatableResponse post(String path, String body) {
            return request().contentType(ContentType.JSON).body(body).post(path).then();
        }
    }
}

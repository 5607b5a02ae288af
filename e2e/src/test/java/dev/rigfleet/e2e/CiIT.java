package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.GitServer;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * CI end to end, through the entry proxy: repositories served by a real {@code git daemon} on loopback, jobs run on
 * one deployment of a real agent (the local-process runtime), their logs followed as server-sent events. After every
 * job its instance is terminated and the deployment free again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CiIT {

    private static final Duration JOB_WITHIN = Duration.ofSeconds(60);

    private final Stack stack = Stack.get();
    private EntryProxy entry;
    private ServiceProcess agent;
    private GitServer git;
    private String type;
    private String deployment;

    @BeforeAll
    void aDeploymentAndAGitServer() throws Exception {
        entry = EntryProxy.start(
                "ci", stack.workspaces.url(), stack.instances().url(), stack.registryA.url(), stack.coordinatorA.url());
        git = GitServer.start();
        git.startSsh("ed25519");
        AgentDeployment made = AgentDeployment.start(stack, entry, "ci", JOB_WITHIN);
        agent = made.agent();
        type = made.type();
        deployment = made.deployment();
    }

    @AfterAll
    void stop() throws Exception {
        agent.close();
        entry.close();
        git.close();
    }

    @Test
    void aPassingJobOfTheSpecFormRunsItsStepsInOrderOnTheHardwareAndFreesIt() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("passing-" + UUID.randomUUID());
        String commit = repo.commit(
                "main",
                Map.of(".rigfleet.yml", config("echo first line", "echo \"on $(uname -s), CI=$CI\"")),
                "a passing job");

        JsonPath made = given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(Map.of("ns", "e2e", "repo_type", "git", "repo_branch", "main", "repo_url", repo.url()))
                .post(entry.url() + "/ci/new")
                .then()
                .statusCode(200)
                .body("success", equalTo(true))
                .extract()
                .jsonPath();
        String jobId = made.getString("id");

        JsonPath job = awaitEnded(user, jobId);
        assertEquals("passed", job.getString("status"), job.prettify());
        assertNull(job.getString("reason"));
        assertEquals(commit, job.getString("revision"));
        assertEquals(deployment, job.getString("deployment"));
        assertEquals(List.of(0, 0), job.getList("steps.exit_code"));
        String log = log(user, jobId);
        assertTrue(log.contains("\nfirst line\n"), log);
        assertTrue(log.contains("\non Linux, CI=true\n"), log);
        assertTrue(log.indexOf("first line") < log.indexOf("on Linux"), log);
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    @Test
    void anSshRepositoryIsClonedWithTheOwnersGitKeyWhichLeavesTheInstanceBeforeTheSteps() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("ssh-" + UUID.randomUUID());
        String commit = repo.commit(
                "main",
                Map.of(
                        ".rigfleet.yml",
                        config("git remote get-url origin", "test ! -e ../.ssh && echo no key left", "cat private.txt"),
                        "private.txt",
                        "read over ssh\n"),
                "a private repository");
        String sshUrl = repo.sshUrl();

        // Until the key is the repository's deploy key, the server refuses it: the submission says so.
        String publicKey = given().auth()
                .oauth2(user)
                .get(entry.url() + "/ci/ssh-key")
                .then()
                .statusCode(200)
                .extract()
                .path("public_key");
        Map<String, String> ask = Map.of("ns", "e2e", "repo_type", "git", "repo_branch", "main", "repo_url", sshUrl);
        given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(ask)
                .post(entry.url() + "/ci/new")
                .then()
                .statusCode(400)
                .body("error_message", startsWith("cannot fetch " + sshUrl + ": the server refused the key"));

        git.authorize(publicKey);
        String jobId = specJob(user, sshUrl, "main");

        JsonPath job = awaitEnded(user, jobId);
        assertEquals("passed", job.getString("status"), job.prettify() + log(user, jobId));
        assertEquals(commit, job.getString("revision"));
        String log = log(user, jobId);
        assertTrue(log.contains("\n" + sshUrl + "\n"), log);
        assertTrue(log.contains("\nno key left\n"), log);
        assertTrue(log.contains("\nread over ssh\n"), log);
        assertFalse(log.contains("PRIVATE KEY"), log);
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    @Test
    void aFailingStepEndsTheJobFailedWithItsExitCodeAndOutputAndLaterStepsDoNotRun() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("failing-" + UUID.randomUUID());
        repo.commit(
                "main",
                Map.of(".rigfleet.yml", config("echo before", "echo oops >&2; exit 3", "echo never")),
                "a failing step");
        String jobId = specJob(user, repo.url(), "main");

        JsonPath job = awaitEnded(user, jobId);
        assertEquals("failed", job.getString("status"), job.prettify());
        assertEquals("step 2 exited with 3", job.getString("reason"));
        assertFalse(job.getBoolean("timeout"));
        assertEquals(0, job.getInt("steps[0].exit_code"));
        assertEquals(3, job.getInt("steps[1].exit_code"));
        assertNull(job.get("steps[2].exit_code"));
        assertNull(job.get("steps[2].started"));
        String log = log(user, jobId);
        assertTrue(log.contains("\noops\n"), log);
        assertFalse(log.contains("\nnever\n"), log);
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    /** Exactly as rerobots/py's create_ci_project and submit_ci_job send them. */
    @Test
    void theProjectFormAsTheOfficialClientSendsItRunsTheHeadOfTheBranch() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("project-" + UUID.randomUUID());
        repo.commit("main", Map.of(".rigfleet.yml", config("echo old")), "first");
        String head = repo.commit("main", Map.of(".rigfleet.yml", config("echo head")), "second");

        String pid = given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(Map.of("repo_url", repo.url()))
                .post(entry.url() + "/ci/new")
                .then()
                .statusCode(200)
                .extract()
                .path("pid");
        JsonPath projects = given().auth()
                .oauth2(user)
                .get(entry.url() + "/ci/projects")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(List.of(pid), List.copyOf(projects.getMap("").keySet()));
        assertEquals(
                Map.of("repo_url", repo.url(), "created", projects.getString(pid + ".created")), projects.getMap(pid));

        Map<String, Object> body = new HashMap<>();
        body.put("branch", "main");
        body.put("commit", null);
        String jid = given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(body)
                .post(entry.url() + "/ci/project/" + pid + "/job")
                .then()
                .statusCode(200)
                .extract()
                .path("jid");
        JsonPath job = awaitEnded(user, jid);
        assertEquals("passed", job.getString("status"), job.prettify());
        assertEquals(head, job.getString("revision"));
        assertTrue(log(user, jid).contains("\nhead\n"));
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    @Test
    void aMissingOrInvalidConfigFailsTheJobAsAnErrorThatSaysWhatAndWhere() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo missing = git.repository("missing-" + UUID.randomUUID());
        missing.commit("main", Map.of("README", "no config here\n"), "no config");
        JsonPath job = awaitEnded(user, specJob(user, missing.url(), "main"));
        assertEquals("error", job.getString("status"));
        assertTrue(job.getString("reason").startsWith(".rigfleet.yml is missing"), job.getString("reason"));

        GitServer.Repo invalid = git.repository("invalid-" + UUID.randomUUID());
        invalid.commit(
                "main",
                Map.of(".rigfleet.yml", "workspace: " + type + "\ntimeout: ten minutes\nsteps:\n  - make\n"),
                "a bad time-out");
        job = awaitEnded(user, specJob(user, invalid.url(), "main"));
        assertEquals("error", job.getString("status"));
        assertTrue(job.getString("reason").contains("line 2"), job.getString("reason"));
        assertTrue(job.getString("reason").contains("timeout"), job.getString("reason"));
        assertNull(job.getString("instance"), "nothing was reserved");
    }

    @Test
    void theEventStreamDeliversEveryLineOfARunningJobInOrderAndEndsWithTheJob() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("stream-" + UUID.randomUUID());
        repo.commit(
                "main",
                Map.of(".rigfleet.yml", config("for i in 1 2 3 4 5; do echo line $i; sleep 0.3; done")),
                "a slow step");
        String jobId = specJob(user, repo.url(), "main");

        HttpResponse<java.io.InputStream> stream = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(entry.url() + "/ci/job/" + jobId + "/log"))
                                .header("Authorization", "Bearer " + user)
                                .header("Accept", "text/event-stream")
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        List<String> lines = new ArrayList<>();
        String end = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            String event = null;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("event:")) {
                    event = line.substring("event:".length()).strip();
                } else if (line.startsWith("data:")) {
                    String data = line.substring("data:".length()).stripLeading();
                    if ("line".equals(event)) {
                        lines.add(data);
                    } else if ("end".equals(event)) {
                        end = data;
                    }
                }
            }
        }
        List<String> printed =
                lines.stream().filter(line -> line.startsWith("line ")).toList();
        assertEquals(List.of("line 1", "line 2", "line 3", "line 4", "line 5"), printed);
        assertTrue(end != null && end.contains("\"status\":\"passed\""), String.valueOf(end));
        assertEquals(log(user, jobId).lines().toList(), lines, "the stream is the log");
    }

    @Test
    void anotherUsersJobAndUnknownIdsAreNotFoundAndBadBodiesAreRefused() throws Exception {
        String owner = Accounts.newUserToken(stack);
        String stranger = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("private-" + UUID.randomUUID());
        repo.commit("main", Map.of("README", "x\n"), "no config");
        String jobId = specJob(owner, repo.url(), "main");
        for (String path : List.of("/ci/job/" + jobId, "/ci/job/" + jobId + "/log", "/ci/job/" + jobId + "/results")) {
            given().auth().oauth2(stranger).get(entry.url() + path).then().statusCode(404);
            given().auth().oauth2(stranger).get(entry.url() + path + "/").then().statusCode(404);
        }
        given().auth()
                .oauth2(stranger)
                .post(entry.url() + "/ci/job/" + jobId + "/cancel")
                .then()
                .statusCode(404);
        given().auth()
                .oauth2(stranger)
                .get(entry.url() + "/ci/jobs")
                .then()
                .body("jobs", org.hamcrest.Matchers.empty());
        given().auth()
                .oauth2(owner)
                .get(entry.url() + "/ci/job/" + jobId.toUpperCase())
                .then()
                .statusCode(404);

        for (String bad : List.of(
                "not json",
                "[]",
                "{\"repo_url\": 5}",
                "{\"repo_url\": \"" + repo.url() + "\", \"repo_url\": \"" + repo.url() + "\"}",
                "{\"repo_url\": \"http://example.org/r.git\"}",
                "{\"repo_url\": \"" + repo.url() + "\", \"colour\": \"red\"}",
                "{\"ns\": \"e2e\", \"repo_type\": \"svn\", \"repo_branch\": \"main\", \"repo_url\": \"" + repo.url()
                        + "\"}",
                "{\"ns\": \"e2e\", \"repo_type\": \"git\", \"repo_url\": \"" + repo.url() + "\"}",
                "{\"ns\": \"e2e\", \"repo_type\": \"git\", \"repo_branch\": \"main\", \"repo_commit\": \"abcdef1\","
                        + " \"repo_url\": \"" + repo.url() + "\"}",
                "{\"ns\": \"e2e\", \"repo_type\": \"git\", \"repo_branch\": \"nope\", \"repo_url\": \"" + repo.url()
                        + "\"}",
                "{\"ns\": \"e2e\\u0000\", \"repo_type\": \"git\", \"repo_branch\": \"main\", \"repo_url\": \""
                        + repo.url() + "\"}")) {
            given().auth()
                    .oauth2(owner)
                    .contentType(ContentType.JSON)
                    .body(bad)
                    .post(entry.url() + "/ci/new")
                    .then()
                    .statusCode(400)
                    .body("error_message", org.hamcrest.Matchers.notNullValue());
        }
        given().auth()
                .oauth2(owner)
                .get(entry.url() + "/ci/jobs")
                .then()
                .statusCode(200)
                .body("jobs.id", equalTo(List.of(jobId)));
    }

    @Test
    void aCommitOnTheBranchRunsAndOneOffItIsRefused() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("commits-" + UUID.randomUUID());
        String first = repo.commit("main", Map.of(".rigfleet.yml", config("echo first")), "first");
        repo.commit("main", Map.of(".rigfleet.yml", config("echo second")), "second");
        String elsewhere = repo.commit("topic", Map.of(".rigfleet.yml", config("echo topic")), "on a topic branch");

        String pid = given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(Map.of("repo_url", repo.url()))
                .post(entry.url() + "/ci/new")
                .then()
                .statusCode(200)
                .extract()
                .path("pid");
        String jid = given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(Map.of("branch", "main", "commit", first.substring(0, 10)))
                .post(entry.url() + "/ci/project/" + pid + "/job")
                .then()
                .statusCode(200)
                .extract()
                .path("jid");
        JsonPath job = awaitEnded(user, jid);
        assertEquals("passed", job.getString("status"), job.prettify());
        assertEquals(first, job.getString("revision"));
        assertTrue(log(user, jid).contains("\nfirst\n"));
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));

        given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(Map.of("branch", "main", "commit", elsewhere))
                .post(entry.url() + "/ci/project/" + pid + "/job")
                .then()
                .statusCode(400)
                .body("error_message", org.hamcrest.Matchers.containsString(elsewhere));
        // The spec form with a commit alone: any branch that holds it.
        String byCommit = given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(Map.of("ns", "e2e", "repo_type", "git", "repo_commit", elsewhere, "repo_url", repo.url()))
                .post(entry.url() + "/ci/new")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
        job = awaitEnded(user, byCommit);
        assertEquals("passed", job.getString("status"), job.prettify());
        assertTrue(log(user, byCommit).contains("\ntopic\n"));
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    @Test
    void junitResultsAreParsedFromTheFilesTheConfigNamesEvenWhenAStepFails() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("junit-" + UUID.randomUUID());
        String report = "<testsuite name=\"rig\"><testcase classname=\"rig.Motors\" name=\"spins\"/>"
                + "<testcase classname=\"rig.Motors\" name=\"stops\"><failure message=\"still turning\"/>"
                + "</testcase><testcase classname=\"rig.Lidar\" name=\"scans\"><skipped/></testcase></testsuite>";
        repo.commit(
                "main",
                Map.of(
                        "reports/TEST-rig.xml",
                        report,
                        ".rigfleet.yml",
                        configWith("timeout: 2m\nresults:\n  - reports/*.xml\n", "exit 1")),
                "results");
        String jobId = specJob(user, repo.url(), "main");
        JsonPath job = awaitEnded(user, jobId);
        assertEquals("failed", job.getString("status"), job.prettify());
        JsonPath results = given().auth()
                .oauth2(user)
                .get(entry.url() + "/ci/job/" + jobId + "/results")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertEquals(3, results.getInt("tests"));
        assertEquals(1, results.getInt("failures"));
        assertEquals(1, results.getInt("skipped"));
        assertEquals("stops", results.getString("failed[0].name"));
        assertEquals("still turning", results.getString("failed[0].message"));
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    @Test
    void aJobPastItsTimeOutEndsFailedWithTimeoutAndItsInstanceGoes() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("timeout-" + UUID.randomUUID());
        repo.commit(
                "main",
                Map.of(".rigfleet.yml", configWith("timeout: 3s\n", "echo begun; sleep 60", "echo never")),
                "slow");
        String jobId = specJob(user, repo.url(), "main");
        JsonPath job = awaitEnded(user, jobId);
        assertEquals("failed", job.getString("status"), job.prettify());
        assertTrue(job.getBoolean("timeout"));
        assertTrue(job.getString("reason").startsWith("timeout:"), job.getString("reason"));
        assertNull(job.get("steps[1].started"));
        assertTrue(log(user, jobId).contains("\nbegun\n"));
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    @Test
    void aCancelWhileRunningEndsTheStepAndTheJobAndFreesTheHardware() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("cancel-" + UUID.randomUUID());
        repo.commit("main", Map.of(".rigfleet.yml", config("echo started; sleep 60")), "long");
        String jobId = specJob(user, repo.url(), "main");
        await().atMost(JOB_WITHIN).until(() -> log(user, jobId).contains("\nstarted\n"));
        given().auth()
                .oauth2(user)
                .post(entry.url() + "/ci/job/" + jobId + "/cancel")
                .then()
                .statusCode(200)
                .body("cancel_asked", equalTo(true));
        JsonPath job = awaitEnded(user, jobId, Duration.ofSeconds(15));
        assertEquals("cancelled", job.getString("status"), job.prettify());
        assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
    }

    @Test
    void aJobThatFindsNoFreeDeploymentWithinItsQueueTimeOutEndsAsAnError() throws Exception {
        String holder = Accounts.newUserToken(stack);
        String user = Accounts.newUserToken(stack);
        String held = given().auth()
                .oauth2(holder)
                .post(entry.url() + "/new/" + deployment)
                .then()
                .statusCode(200)
                .body("success", equalTo(true))
                .extract()
                .path("id");
        try {
            GitServer.Repo repo = git.repository("queued-" + UUID.randomUUID());
            repo.commit(
                    "main",
                    Map.of(".rigfleet.yml", configWith("timeout: 2m\nqueue_timeout: 2s\n", "echo never")),
                    "busy");
            String jobId = specJob(user, repo.url(), "main");
            JsonPath job = awaitEnded(user, jobId);
            assertEquals("error", job.getString("status"), job.prettify());
            assertTrue(job.getString("reason").startsWith("queue time-out:"), job.getString("reason"));
            assertFalse(log(user, jobId).contains("\nnever\n"));
            given().auth()
                    .oauth2(user)
                    .get(entry.url() + "/instance/" + job.getString("instance"))
                    .then()
                    .statusCode(404);
            given().auth()
                    .oauth2(user)
                    .get(entry.url() + "/reservations")
                    .then()
                    .body("reservations", org.hamcrest.Matchers.empty());
        } finally {
            given().auth()
                    .oauth2(holder)
                    .post(entry.url() + "/terminate/" + held)
                    .then()
                    .statusCode(200);
        }
        assertInstanceEndedAndDeploymentFree(holder, held);
    }

    @Test
    void twoJobsForOneDeploymentRunOneAfterTheOther() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("two-" + UUID.randomUUID());
        repo.commit("main", Map.of(".rigfleet.yml", config("sleep 1; echo done")), "two");
        String first = specJob(user, repo.url(), "main");
        String second = specJob(user, repo.url(), "main");
        JsonPath one = awaitEnded(user, first);
        JsonPath two = awaitEnded(user, second);
        assertEquals("passed", one.getString("status"), one.prettify());
        assertEquals("passed", two.getString("status"), two.prettify());
        java.time.Instant oneEnded = java.time.Instant.parse(one.getString("steps[0].ended"));
        java.time.Instant twoStarted = java.time.Instant.parse(two.getString("steps[0].started"));
        java.time.Instant twoEnded = java.time.Instant.parse(two.getString("steps[0].ended"));
        java.time.Instant oneStarted = java.time.Instant.parse(one.getString("steps[0].started"));
        assertTrue(oneEnded.isBefore(twoStarted) || twoEnded.isBefore(oneStarted), "one after the other");
        assertInstanceEndedAndDeploymentFree(user, one.getString("instance"));
        assertInstanceEndedAndDeploymentFree(user, two.getString("instance"));
    }

    /** A receiver that reads the results the moment it is called finds them: the callback comes after. */
    @Test
    void theCallbackComesOnlyOnceTheJobsResultsAreStored() throws Exception {
        String user = Accounts.newUserToken(stack);
        GitServer.Repo repo = git.repository("callback-" + UUID.randomUUID());
        repo.commit(
                "main",
                Map.of(
                        "TEST-one.xml",
                        "<testsuite name=\"s\"><testcase classname=\"c\" name=\"n\"/></testsuite>",
                        ".rigfleet.yml",
                        configWith("timeout: 2m\nresults:\n  - TEST-one.xml\n", "echo fine")),
                "callback");
        List<String> seenOnCallback = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer receiver =
                com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ci", exchange -> {
            JsonPath told = JsonPath.from(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            seenOnCallback.add(told.getString("status") + " "
                    + given().auth()
                            .oauth2(user)
                            .get(entry.url() + "/ci/job/" + told.getString("id") + "/results")
                            .then()
                            .extract()
                            .path("tests"));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try {
            String jobId = given().auth()
                    .oauth2(user)
                    .contentType(ContentType.JSON)
                    .body(Map.of(
                            "ns", "e2e",
                            "repo_type", "git",
                            "repo_branch", "main",
                            "repo_url", repo.url(),
                            "eurl", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/ci"))
                    .post(entry.url() + "/ci/new")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("id");
            JsonPath job = awaitEnded(user, jobId);
            await().atMost(JOB_WITHIN).until(() -> !seenOnCallback.isEmpty());
            assertEquals(List.of("passed 1"), seenOnCallback);
            assertInstanceEndedAndDeploymentFree(user, job.getString("instance"));
        } finally {
            receiver.stop(0);
        }
    }

    private String config(String... steps) {
        return configWith("timeout: 2m\n", steps);
    }

    /** A .rigfleet.yml for this test's workspace type: {@code options} as YAML lines, then the steps. */
    private String configWith(String options, String... steps) {
        StringBuilder yaml = new StringBuilder("workspace: " + type + "\n" + options + "steps:\n");
        for (String step : steps) {
            yaml.append("  - '").append(step.replace("'", "''")).append("'\n");
        }
        return yaml.toString();
    }

    private String specJob(String user, String url, String branch) {
        return given().auth()
                .oauth2(user)
                .contentType(ContentType.JSON)
                .body(Map.of("ns", "e2e", "repo_type", "git", "repo_branch", branch, "repo_url", url))
                .post(entry.url() + "/ci/new")
                .then()
                .statusCode(200)
                .extract()
                .path("id");
    }

    private JsonPath awaitEnded(String user, String jobId) {
        return awaitEnded(user, jobId, JOB_WITHIN);
    }

    private JsonPath awaitEnded(String user, String jobId, Duration within) {
        await().atMost(within)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> !List.of("queued", "running")
                        .contains(given().auth()
                                .oauth2(user)
                                .get(entry.url() + "/ci/job/" + jobId)
                                .then()
                                .statusCode(200)
                                .extract()
                                .path("status")));
        return given().auth()
                .oauth2(user)
                .get(entry.url() + "/ci/job/" + jobId)
                .then()
                .extract()
                .jsonPath();
    }

    private String log(String user, String jobId) {
        return given().auth()
                .oauth2(user)
                .accept("text/plain")
                .get(entry.url() + "/ci/job/" + jobId + "/log")
                .then()
                .statusCode(200)
                .extract()
                .asString();
    }

    private void assertInstanceEndedAndDeploymentFree(String user, String instanceId) {
        await().atMost(JOB_WITHIN)
                .untilAsserted(() -> given().auth()
                        .oauth2(user)
                        .get(entry.url() + "/instance/" + instanceId)
                        .then()
                        .body("status", equalTo("TERMINATED")));
        await().atMost(JOB_WITHIN)
                .untilAsserted(() -> given().get(entry.url() + "/queuelen/" + deployment)
                        .then()
                        .body("len", equalTo(0)));
    }
}

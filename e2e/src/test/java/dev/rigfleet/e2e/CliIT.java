package dev.rigfleet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.testing.GitServer;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The packaged command line ({@code cli/target/rigfleet.jar}, what bin/rigfleet runs) as a process against the
 * stack through the entry proxy, as a person or a pipeline runs it: signing in stores the token with mode 0600,
 * {@code --json} answers are the API's, errors are one line with the API's message and the documented exit code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {

    private static final Path JAR = Stack.ROOT.resolve("cli/target/rigfleet.jar");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    /** Terminals run as this user, never root (as StreamsIT). */
    private static final String SESSION_USER =
            "root".equals(System.getProperty("user.name")) ? "nobody" : System.getProperty("user.name");

    private final Stack stack = Stack.get();
    private EntryProxy entry;
    private AgentDeployment device;
    private Path config;

    @BeforeAll
    void aDeploymentBehindTheEntryPoint() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: `make cli` (or the build) makes it");
        entry = EntryProxy.start(
                "cli",
                stack.workspaces.url(),
                stack.instances().url(),
                stack.registryA.url(),
                stack.coordinatorA.url());
        device = AgentDeployment.start(
                stack, entry, "cli", READY_WITHIN, Map.of("rigfleet.agent.session-user", SESSION_USER));
        config = Files.createTempDirectory("rigfleet-cli-config");
    }

    @AfterAll
    void stop() {
        device.agent().close();
        entry.close();
    }

    @Test
    void anAdminSignsInWithAPasswordListsWhatThereIsAndSignsOut() throws Exception {
        Run login = cli(
                Stack.ADMIN_PASSWORD + "\n", "login", "--url", entry.url(), "--user", Stack.ADMIN, "--password-stdin");
        assertEquals(0, login.exit(), login.output());
        assertEquals("Signed in to " + entry.url() + " as " + Stack.ADMIN + "\n", login.output());
        Path stored = config.resolve("rigfleet/credentials.json");
        assertEquals(
                Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                Files.getPosixFilePermissions(stored));
        String token = JSON.readTree(stored.toFile()).path("token").asText();

        JsonNode who = json(cli("", "whoami", "--json"));
        assertEquals(Stack.ADMIN, who.path("username").asText());

        JsonNode deployments = json(cli("", "deployments", "--type", device.type(), "--json"));
        assertEquals(
                device.deployment(),
                deployments.path("workspace_deployments").get(0).asText());
        Run table = cli("", "deployments", "--type", device.type(), "--online");
        assertEquals(0, table.exit(), table.output());
        List<String> lines = table.output().lines().toList();
        assertEquals(
                List.of("ID", "TYPE", "REGION", "QUEUE", "ONLINE"),
                List.of(lines.get(0).split("\\s{2,}")));
        assertTrue(lines.get(1).startsWith(device.deployment() + "  " + device.type()), table.output());
        assertTrue(lines.get(1).endsWith("online"), table.output());

        JsonNode devices = json(cli("", "devices", "--json"));
        assertTrue(devices.path("devices").size() >= 1, devices.toString());
        String uuid = devices.path("devices").get(0).path("uuid").asText();
        assertEquals(uuid, json(cli("", "device", uuid, "--json")).path("uuid").asText());
        assertTrue(json(cli("", "workspaces", "--json"))
                .path("workspace_types")
                .toString()
                .contains(device.type()));
        assertTrue(json(cli("", "fleets", "--json")).path("fleets").isArray());
        assertTrue(json(cli("", "reservations", "--json")).path("reservations").isArray());

        Run logout = cli("", "logout");
        assertEquals(0, logout.exit(), logout.output());
        // The revoked token is refused by the platform, not only forgotten here.
        Run refused = cli("", Map.of("RIGFLEET_TOKEN", token), "whoami");
        assertEquals(1, refused.exit(), refused.output());
        assertEquals("rigfleet: wrong authorization token\n", refused.output());
    }

    @Test
    void anInstanceIsMadeWaitedForLoggedIntoFirewalledAndTerminatedFromThePipelinesEnvironment() throws Exception {
        Map<String, String> pipeline =
                Map.of("RIGFLEET_URL", entry.url(), "RIGFLEET_TOKEN", Accounts.newUserToken(stack));

        // --reserve: another test's instance or job may still hold the one deployment.
        Run made = cli("", pipeline, "new", device.type(), "--reserve", "--wait");
        assertEquals(0, made.exit(), made.output());
        Matcher ready = Pattern.compile("Instance (\\S+) is READY at (\\S+)\n  rigfleet ssh (\\S+)\n")
                .matcher(made.output());
        assertTrue(ready.find(), made.output());
        String id = ready.group(1);
        assertEquals(id, ready.group(3));
        JsonNode instances = json(cli("", pipeline, "instances", "--json"));
        assertEquals(id, instances.get(0).path("id").asText());
        assertEquals(
                ready.group(2),
                instances.get(0).path("fwd").path("ipv4").asText() + ":"
                        + instances.get(0).path("fwd").path("port").asText());

        // The system's ssh, the platform's key, the instance's host keys checked strictly.
        Run ssh = cli("", pipeline, "ssh", id, "echo", "-n", "ok");
        assertEquals(0, ssh.exit(), ssh.output());
        assertEquals("ok", ssh.output(), "the remote command's options are its own");

        Run chain = cli("", pipeline, "firewall", id);
        assertEquals(0, chain.exit(), chain.output());
        assertEquals(
                List.of("#  SOURCE     ACTION", "1  0.0.0.0/0  ACCEPT"),
                chain.output().lines().toList());
        JsonNode added =
                json(cli("", pipeline, "firewall", id, "add", "--src", "10.9.0.0/16", "--action", "DROP", "--json"));
        assertEquals("10.9.0.0/16", added.path("rules").get(1).path("source").asText());
        assertEquals("DROP", added.path("rules").get(1).path("action").asText());
        assertEquals(
                0,
                json(cli("", pipeline, "firewall", id, "clear", "--json"))
                        .path("rules")
                        .size());
        Run refused = cli("", pipeline, "ssh", id, "echo", "ok");
        assertTrue(refused.exit() != 0, "an empty chain lets nobody in: " + refused.output());

        Run noVpn =
                cli("", pipeline, "vpn", id, "-o", config.resolve("client.ovpn").toString());
        assertEquals(1, noVpn.exit(), noVpn.output());
        assertEquals("rigfleet: this instance has no VPN\n", noVpn.output());

        Run terminated = cli("", pipeline, "terminate", id);
        assertEquals(0, terminated.exit(), terminated.output());
        assertTrue(terminated.output().lines().toList().get(1).startsWith(id + "  TERMINAT"), terminated.output());
    }

    @Test
    void ciRunStreamsTheLogAndExitsZeroOnlyForAPassingJob() throws Exception {
        Map<String, String> pipeline =
                Map.of("RIGFLEET_URL", entry.url(), "RIGFLEET_TOKEN", Accounts.newUserToken(stack));
        try (GitServer git = GitServer.start()) {
            GitServer.Repo passing = git.repository("cli-passing");
            passing.commit("main", Map.of(".rigfleet.yml", ciConfig("echo he''llo from the rig")), "passes");
            GitServer.Repo failing = git.repository("cli-failing");
            failing.commit("main", Map.of(".rigfleet.yml", ciConfig("echo about to fail", "exit 3")), "fails");

            Run passed = cli("", pipeline, "ci", "run", "--repo", passing.url(), "--branch", "main", "--ns", "cli");
            assertEquals(0, passed.exit(), passed.output());
            assertTrue(passed.output().contains("\nhello from the rig\n"), passed.output());
            assertTrue(passed.output().contains("passed: 0 tests, 0 failures, 0 errors, 0 skipped\n"), passed.output());

            Run failed = cli("", pipeline, "ci", "run", "--repo", failing.url(), "--branch", "main", "--ns", "cli");
            assertEquals(1, failed.exit(), failed.output());
            assertTrue(failed.output().contains("\nabout to fail\n"), failed.output());
            assertTrue(failed.output().contains("failed (step 2 exited with 3)"), failed.output());

            JsonNode jobs = json(cli("", pipeline, "ci", "jobs", "--ns", "cli", "--json"));
            assertEquals(
                    List.of("failed", "passed"),
                    List.of(
                            jobs.path("jobs").get(0).path("status").asText(),
                            jobs.path("jobs").get(1).path("status").asText()));
            String passedJob = jobs.path("jobs").get(1).path("id").asText();
            Run log = cli("", pipeline, "ci", "log", passedJob);
            assertTrue(log.output().contains("hello from the rig\n"), log.output());
            Run followed = cli("", pipeline, "ci", "log", passedJob, "--follow");
            assertEquals(0, followed.exit(), followed.output());
            assertTrue(followed.output().contains("hello from the rig\n"), followed.output());

            GitServer.Repo slow = git.repository("cli-slow");
            slow.commit("main", Map.of(".rigfleet.yml", ciConfig("sleep 120")), "takes its time");
            String slowJob = io.restassured.RestAssured.given()
                    .auth()
                    .oauth2(pipeline.get("RIGFLEET_TOKEN"))
                    .contentType("application/json")
                    .body(Map.of("ns", "cli", "repo_type", "git", "repo_branch", "main", "repo_url", slow.url()))
                    .post(entry.url() + "/ci/new")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("id");
            JsonNode cancelled = json(cli("", pipeline, "ci", "cancel", slowJob, "--json"));
            assertTrue(cancelled.path("cancel_asked").asBoolean(), cancelled.toString());
            Run ended = cli("", pipeline, "ci", "log", slowJob, "--follow");
            assertEquals(1, ended.exit(), "a job that did not pass: " + ended.output());
            assertEquals(
                    "cancelled",
                    json(cli("", pipeline, "ci", "jobs", "--ns", "cli", "--json"))
                            .path("jobs")
                            .get(0)
                            .path("status")
                            .asText());
        }
    }

    @Test
    void theDevicesApiAndATerminalOnItThroughAPseudoTerminal() throws Exception {
        Map<String, String> admin = Map.of("RIGFLEET_URL", entry.url(), "RIGFLEET_TOKEN", Accounts.adminToken(stack));

        Run ping = cli("", admin, "supervisor", "/ping", "--uuid", device.uuid(), "--method", "GET");
        assertEquals(0, ping.exit(), ping.output());
        assertEquals("OK\n", ping.output());

        // util-linux script gives the command a pseudo-terminal: raw mode, keys as typed, to a shell (the session
        // user, nobody, has no login shell). Its errors go to a file of their own.
        Path errors = config.resolve("terminal.err");
        String line = "java -jar " + JAR + " terminal " + device.uuid() + " --command sh 2>" + errors;
        Run terminal = run(
                List.of("script", "--quiet", "--return", "--command", line, "/dev/null"),
                admin,
                "echo he''llo; exit 7\n");
        assertEquals(
                7, terminal.exit(), "the remote shell's exit status: " + terminal.output() + Files.readString(errors));
        assertTrue(terminal.output().contains("hello"), terminal.output());
    }

    private String ciConfig(String... steps) {
        StringBuilder yaml = new StringBuilder("workspace: " + device.type() + "\ntimeout: 2m\nsteps:\n");
        for (String step : steps) {
            yaml.append("  - '").append(step.replace("'", "''")).append("'\n");
        }
        return yaml.toString();
    }

    @Test
    void wrongInputIsOneLineAndTheDocumentedExitCode() throws Exception {
        Map<String, String> signedIn =
                Map.of("RIGFLEET_URL", entry.url(), "RIGFLEET_TOKEN", Accounts.newUserToken(stack));

        Run unknownDevice = cli("", signedIn, "device", "../fleets");
        assertEquals(1, unknownDevice.exit(), unknownDevice.output());
        assertEquals(1, unknownDevice.output().lines().count(), unknownDevice.output());
        assertTrue(unknownDevice.output().startsWith("rigfleet: "), unknownDevice.output());

        Run noSuchCommand = cli("", signedIn, "fleeets");
        assertEquals(2, noSuchCommand.exit(), noSuchCommand.output());

        Run loginWithoutWho = cli("", signedIn, "login");
        assertEquals(2, loginWithoutWho.exit(), loginWithoutWho.output());
        assertTrue(loginWithoutWho.output().contains("give --user or --token"), loginWithoutWho.output());

        Run nobodyThere =
                cli("", Map.of("RIGFLEET_URL", "http://127.0.0.1:" + Ports.free(), "RIGFLEET_TOKEN", "x"), "fleets");
        assertEquals(3, nobodyThere.exit(), nobodyThere.output());
        assertTrue(
                nobodyThere.output().startsWith("rigfleet: could not reach http://127.0.0.1:"), nobodyThere.output());

        Run help = cli("", signedIn, "instances", "--help");
        assertEquals(0, help.exit(), help.output());
        assertTrue(help.output().contains("Usage: rigfleet instances"), help.output());
    }

    private record Run(int exit, String output) {}

    private Run cli(String input, String... args) throws Exception {
        return cli(input, Map.of(), args);
    }

    /** Runs the jar with this standard input and environment (over a config directory of the test's own). */
    private Run cli(String input, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return run(command, env, input);
    }

    private Run run(List<String> command, Map<String, String> env, String input) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("RIGFLEET_URL");
        builder.environment().remove("RIGFLEET_TOKEN");
        builder.environment().put("XDG_CONFIG_HOME", config.toString());
        builder.environment().putAll(env);
        Path output = Files.createTempFile("rigfleet-cli", ".out");
        Path stdin = Files.createTempFile("rigfleet-cli", ".in");
        try {
            Files.writeString(stdin, input);
            Process process = builder.redirectOutput(output.toFile())
                    .redirectInput(new File(stdin.toString()))
                    .start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end within 120 s: "
                        + Files.readString(output, StandardCharsets.UTF_8));
            }
            return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
            Files.deleteIfExists(stdin);
        }
    }

    private static JsonNode json(Run run) throws IOException {
        assertEquals(0, run.exit(), run.output());
        assertFalse(run.output().isBlank());
        return JSON.readTree(run.output());
    }
}

package dev.rigfleet.workspaces.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CiConfigParserTest {

    private static final Duration MAX_TIMEOUT = Duration.ofHours(2);
    private static final String STEPS = "steps:\n  - make\n";

    private static CiConfig parse(String yaml) throws CiConfigException {
        return CiConfigParser.parse(yaml, MAX_TIMEOUT);
    }

    private static void assertRefused(String yaml, String message) {
        CiConfigException e = assertThrows(CiConfigException.class, () -> parse(yaml));
        assertEquals(message, e.getMessage());
    }

    @Test
    void aFullFileIsReadAsWritten() throws CiConfigException {
        CiConfig config = parse("""
                # CI for the kobuki driver
                workspace: kobuki
                timeout: 15m
                queue_timeout: 90s
                env:
                  BOARD: kobuki
                  VERBOSE: true
                  RETRIES: 3
                  _ratio: 1.5
                  EMPTY: ""
                steps:
                  - make
                  - make test
                  - |
                    ./flash.sh
                    ./smoke.sh
                results:
                  - build/test-results/*.xml
                  - reports/junit.xml
                """);
        assertEquals(Optional.of("kobuki"), config.workspace());
        assertEquals(Optional.empty(), config.deployment());
        assertEquals(Duration.ofMinutes(15), config.timeout());
        assertEquals(Duration.ofSeconds(90), config.queueTimeout());
        assertEquals(
                List.of("BOARD", "VERBOSE", "RETRIES", "_ratio", "EMPTY"),
                List.copyOf(config.env().keySet()));
        assertEquals(
                Map.of("BOARD", "kobuki", "VERBOSE", "true", "RETRIES", "3", "_ratio", "1.5", "EMPTY", ""),
                config.env());
        assertEquals(List.of("make", "make test", "./flash.sh\n./smoke.sh\n"), config.steps());
        assertEquals(List.of("build/test-results/*.xml", "reports/junit.xml"), config.results());
    }

    @Test
    void onlyTheHardwareAndTheStepsAreNeeded() throws CiConfigException {
        CiConfig config = parse("deployment: 1b4e28ba-2fa1-11d2-883f-0016d3cca427\n" + STEPS);
        assertEquals(Optional.of(UUID.fromString("1b4e28ba-2fa1-11d2-883f-0016d3cca427")), config.deployment());
        assertEquals(Optional.empty(), config.workspace());
        assertEquals(Duration.ofMinutes(10), config.timeout());
        assertEquals(Duration.ofHours(1), config.queueTimeout());
        assertEquals(Map.of(), config.env());
        assertEquals(List.of("make"), config.steps());
        assertEquals(List.of(), config.results());
    }

    @Test
    void aFlowStyleFileIsYamlToo() throws CiConfigException {
        CiConfig config = parse("{workspace: kobuki, steps: [make, 'make test'], env: {A: b}}");
        assertEquals(List.of("make", "make test"), config.steps());
        assertEquals(Map.of("A", "b"), config.env());
    }

    @Test
    void aStepIsTakenAsWrittenWhateverYamlWouldMakeOfIt() throws CiConfigException {
        // "true" is a shell command; YAML would call it a boolean.
        CiConfig config = parse("workspace: 2024\nsteps:\n  - true\n  - 42\n  - '~'\n");
        assertEquals(Optional.of("2024"), config.workspace());
        assertEquals(List.of("true", "42", "~"), config.steps());
    }

    @Test
    void emptyEnvAndResultsMeanNone() throws CiConfigException {
        CiConfig config = parse("workspace: kobuki\nenv:\n  # BOARD: x\nresults:\n" + STEPS);
        assertEquals(Map.of(), config.env());
        assertEquals(List.of(), config.results());
    }

    @ParameterizedTest
    @CsvSource({"90s, 90", "10m, 600", "1h, 3600", "2h, 7200", "600, 600", "'\"45\"', 45", "1, 1"})
    void aDurationIsInSecondsMinutesOrHours(String written, long seconds) throws CiConfigException {
        CiConfig config =
                parse("workspace: kobuki\ntimeout: " + written + "\nqueue_timeout: " + written + "\n" + STEPS);
        assertEquals(Duration.ofSeconds(seconds), config.timeout());
        assertEquals(Duration.ofSeconds(seconds), config.queueTimeout());
    }

    @Test
    void aConfigGoesThroughItsMapUnchanged() throws CiConfigException {
        CiConfig config = parse(
                "workspace: kobuki\ntimeout: 15m\nenv:\n  B: 1\n  A: x\nsteps: [make, make test]\nresults: [a.xml]\n");
        Map<String, Object> map = config.toMap();
        assertEquals(
                Map.of(
                        "workspace",
                        "kobuki",
                        "timeout_s",
                        900L,
                        "queue_timeout_s",
                        3600L,
                        "env",
                        Map.of("B", "1", "A", "x"),
                        "steps",
                        List.of("make", "make test"),
                        "results",
                        List.of("a.xml")),
                map);
        assertEquals(config, CiConfig.fromMap(map));
        CiConfig byDeployment = parse("deployment: 1b4e28ba-2fa1-11d2-883f-0016d3cca427\n" + STEPS);
        assertEquals(
                "1b4e28ba-2fa1-11d2-883f-0016d3cca427", byDeployment.toMap().get("deployment"));
        assertEquals(byDeployment, CiConfig.fromMap(byDeployment.toMap()));
    }

    @Test
    void storedNumbersOfAnyTypeAreReadBack() {
        // As JSON decoders give them back: small numbers as Integer.
        Map<String, Object> stored = Map.of(
                "deployment",
                "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                "timeout_s",
                600,
                "queue_timeout_s",
                3600,
                "env",
                Map.of(),
                "steps",
                List.of("make"),
                "results",
                List.of());
        assertEquals(Duration.ofMinutes(10), CiConfig.fromMap(stored).timeout());
    }

    // The file as a whole

    @Test
    void anEmptyFileIsRefused() {
        String message = ".rigfleet.yml: is empty; it must say at least \"workspace\" or \"deployment\", and \"steps\"";
        assertRefused("", message);
        assertRefused("# nothing yet\n\n   # really\n", message);
    }

    @Test
    void aFileThatIsNotAMappingIsRefused() {
        assertRefused(
                "# steps only\n- make\n",
                ".rigfleet.yml, line 2: must be a mapping of keys such as \"steps\" to values, not a list");
        assertRefused(
                "make test\n",
                ".rigfleet.yml, line 1: must be a mapping of keys such as \"steps\" to values, not a single value");
    }

    @Test
    void aYamlSyntaxErrorNamesItsLine() {
        assertRefused(
                "workspace: kobuki\nsteps:\n  - make: test: x\n",
                ".rigfleet.yml, line 3: is not valid YAML: mapping values are not allowed here");
        assertRefused(
                "workspace: kobuki\nsteps:\n  - 'make\n",
                ".rigfleet.yml, line 4: is not valid YAML: while scanning a quoted scalar, found unexpected end of"
                        + " stream");
        assertRefused(
                "workspace: kobuki\n\tsteps: [make]\n",
                ".rigfleet.yml, line 2: is not valid YAML: while scanning for the next token, found character"
                        + " '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)");
        assertRefused(
                "workspace: *hardware\n" + STEPS,
                ".rigfleet.yml, line 1: is not valid YAML: found undefined alias hardware");
    }

    @Test
    void onlyOneDocumentIsRead() {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "---\nworkspace: other\n",
                ".rigfleet.yml, line 4: is not valid YAML: expected a single document in the stream, but found"
                        + " another document");
    }

    @Test
    void noJavaObjectIsMadeFromTheFile() {
        assertRefused(
                "workspace: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[!!java.net.URL"
                        + " [\"http://127.0.0.1:1/\"]]]]\n" + STEPS,
                ".rigfleet.yml, line 1: is not valid YAML: Global tag is not allowed:"
                        + " tag:yaml.org,2002:javax.script.ScriptEngineManager");
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        assertRefused(
                "workspace: kobuki\nsteps: [make]\ntimeout: 5m\nsteps: [make test]\n",
                ".rigfleet.yml, line 4, key \"steps\": given twice (first on line 2)");
    }

    @Test
    void anUnknownKeyIsNamedWithTheKnownOnes() {
        assertRefused(
                "workspace: kobuki\nstep:\n  - make\n",
                ".rigfleet.yml, line 2, key \"step\": unknown key; the known keys are workspace, deployment,"
                        + " timeout, queue_timeout, env, steps, results");
        assertRefused(
                "workspace: kobuki\n<<: {steps: [make]}\n",
                ".rigfleet.yml, line 2, key \"<<\": unknown key; the known keys are workspace, deployment,"
                        + " timeout, queue_timeout, env, steps, results");
        assertRefused(
                "workspace: kobuki\n? [steps]\n: make\n",
                ".rigfleet.yml, line 2: a key must be a name such as \"steps\", not a list; the known keys are"
                        + " workspace, deployment, timeout, queue_timeout, env, steps, results");
    }

    @Test
    void aNulCharacterIsRefusedWithItsLine() {
        assertRefused("workspace: kobuki\nsteps:\n  - make\0\n", ".rigfleet.yml, line 3: contains a NUL character");
        assertRefused(
                "workspace: kobuki\u0007\n" + STEPS,
                ".rigfleet.yml, line 1: contains the character U+0007, which YAML does not allow");
    }

    @Test
    void aNulWrittenAsAnEscapeIsRefusedToo() {
        assertRefused(
                "workspace: kobuki\nsteps:\n  - make\nresults:\n  - \"a\\0.xml\"\n",
                ".rigfleet.yml, line 5, key \"results\": item 1 contains a NUL character");
        assertRefused(
                "workspace: kobuki\nenv:\n  A: \"x\\0\"\n" + STEPS,
                ".rigfleet.yml, line 3, key \"env\": the value of A contains a NUL character");
    }

    @Test
    void aFileLargerThan64KiBIsRefused() {
        String padding = "#".repeat(CiConfigParser.MAX_BYTES) + "\n";
        assertRefused(
                "workspace: kobuki\n" + STEPS + padding,
                ".rigfleet.yml: is 65,571 bytes long; at most 65,536 bytes are allowed");
    }

    @Test
    void aFileOfExactly64KiBIsRead() throws CiConfigException {
        String head = "workspace: kobuki\n" + STEPS + "#";
        String yaml = head + "x".repeat(CiConfigParser.MAX_BYTES - head.length());
        assertEquals(List.of("make"), parse(yaml).steps());
    }

    @Test
    void theSizeIsCountedInBytesNotCharacters() {
        String yaml = "workspace: kobuki\n" + STEPS + "# " + "é".repeat(CiConfigParser.MAX_BYTES / 2);
        CiConfigException e = assertThrows(CiConfigException.class, () -> parse(yaml));
        assertTrue(e.getMessage().startsWith(".rigfleet.yml: is 65,5"), e.getMessage());
    }

    @Test
    void aBillionLaughsIsStoppedAtTheAliasLimit() {
        String yaml = """
                a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
                b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
                d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
                e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
                """;
        CiConfigException e = assertTimeoutPreemptively(
                Duration.ofSeconds(5), () -> assertThrows(CiConfigException.class, () -> parse(yaml)));
        assertEquals(
                ".rigfleet.yml, line 3: is too complex to read: Number of aliases for non-scalar nodes exceeds the"
                        + " specified max=10",
                e.getMessage());
    }

    @Test
    void aFewAliasesAreFine() throws CiConfigException {
        CiConfig config = parse("workspace: &w kobuki\nsteps: [*w, *w]\nresults: &r [a.xml]\n");
        assertEquals(List.of("kobuki", "kobuki"), config.steps());
    }

    @Test
    void aDeepNestingIsStopped() {
        assertRefused(
                "workspace: kobuki\nsteps:\n  - [[[[[[\n    [[[[[[[[make]]]]]]]]]]]]]]\n",
                ".rigfleet.yml, line 4: is too complex to read: Nesting Depth exceeded max 10");
    }

    @Test
    void aRecursiveAliasIsRefusedNotFollowed() {
        assertRefused(
                "workspace: kobuki\nsteps: &s [make, *s]\n",
                ".rigfleet.yml, line 2, key \"steps\": step 2 must be a shell command, not a list");
    }

    @Test
    void anyMangledFileGivesACiConfigExceptionAndNothingElse() {
        String sample = "workspace: &w kobuki\ntimeout: 10m\nenv: {A: \"x\\ty\", B: 1}\nsteps:\n  - make\n  - |\n"
                + "    ./run.sh\nresults: [a/*.xml, 'b.xml']\n";
        String alphabet = ":-[]{}&*!|>'\"#%@`,?\\ \n\tab01";
        Random random = new Random(42); // the same mangling on every run
        for (int run = 0; run < 5_000; run++) {
            String mangled = Mangling.mangle(sample, alphabet, random);
            try {
                parse(mangled);
            } catch (CiConfigException expected) {
                assertTrue(expected.getMessage().startsWith(".rigfleet.yml"), expected.getMessage());
            } catch (RuntimeException e) {
                throw new AssertionError("escaped for:\n" + mangled, e);
            }
        }
    }

    // The hardware

    @Test
    void neitherWorkspaceNorDeploymentIsRefused() {
        assertRefused(STEPS, ".rigfleet.yml: says neither \"workspace\" nor \"deployment\"; give one of them");
    }

    @Test
    void bothWorkspaceAndDeploymentAreRefused() {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "deployment: 1b4e28ba-2fa1-11d2-883f-0016d3cca427\n",
                ".rigfleet.yml, line 4, key \"deployment\": give either \"workspace\" or \"deployment\", not both");
    }

    @Test
    void aWorkspaceMustBeANameOfAtMost64Characters() {
        assertRefused(
                "workspace: ''\n" + STEPS,
                ".rigfleet.yml, line 1, key \"workspace\": is empty; it must be a workspace type name");
        assertRefused(
                "workspace:\n" + STEPS,
                ".rigfleet.yml, line 1, key \"workspace\": has no value; it must be a workspace type name");
        assertRefused(
                "workspace: [kobuki]\n" + STEPS,
                ".rigfleet.yml, line 1, key \"workspace\": must be a workspace type name, not a list");
        assertRefused(
                "workspace: " + "k".repeat(65) + "\n" + STEPS,
                ".rigfleet.yml, line 1, key \"workspace\": is 65 characters long; a workspace type name has at"
                        + " most 64");
    }

    @Test
    void aWorkspaceOf64CharactersIsFine() throws CiConfigException {
        assertEquals(
                Optional.of("k".repeat(64)),
                parse("workspace: " + "k".repeat(64) + "\n" + STEPS).workspace());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "1B4E28BA-2FA1-11D2-883F-0016D3CCA427",
                "1b4e28ba2fa111d2883f0016d3cca427",
                "{1b4e28ba-2fa1-11d2-883f-0016d3cca427}",
                " 1b4e28ba-2fa1-11d2-883f-0016d3cca427",
                "1-2-3-4-5",
                "kobuki"
            })
    void aDeploymentMustBeACanonicalUuid(String written) {
        assertRefused(
                "deployment: '" + written + "'\n" + STEPS,
                ".rigfleet.yml, line 1, key \"deployment\": \"" + written + "\" is not a deployment id"
                        + " (a lower-case UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427)");
    }

    // Durations

    @ParameterizedTest
    @ValueSource(strings = {"ten minutes", "10 m", "10M", "1h30m", "1.5h", "0x10", "1d", "1_000", "+5m", "5 "})
    void aBadDurationIsRefused(String written) {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "timeout: '" + written + "'\n",
                ".rigfleet.yml, line 4, key \"timeout\": \"" + written + "\" is not a duration (say 90s, 10m, 1h or a"
                        + " whole number of seconds)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0s", "-5m", "-1", "-0", "000m"})
    void aDurationMustBeLongerThanZero(String written) {
        assertRefused(
                "workspace: kobuki\nqueue_timeout: " + written + "\n" + STEPS,
                ".rigfleet.yml, line 2, key \"queue_timeout\": \"" + written + "\" is not longer than zero");
    }

    @ParameterizedTest
    @ValueSource(strings = {"3h", "121m", "7201", "999999999999h", "99999999999999999999", "9999999999999999h"})
    void aDurationAboveThePlatformsMaximumIsRefused(String written) {
        assertRefused(
                "workspace: kobuki\ntimeout: " + written + "\n" + STEPS,
                ".rigfleet.yml, line 2, key \"timeout\": \"" + written + "\" is longer than the most allowed, 2h");
    }

    @Test
    void theMaximumIsShownInItsLargestWholeUnit() {
        CiConfigException e = assertThrows(
                CiConfigException.class,
                () -> CiConfigParser.parse("workspace: k\ntimeout: 2h\n" + STEPS, Duration.ofSeconds(5430)));
        assertEquals(
                ".rigfleet.yml, line 2, key \"timeout\": \"2h\" is longer than the most allowed, 5430s",
                e.getMessage());
        e = assertThrows(
                CiConfigException.class,
                () -> CiConfigParser.parse("workspace: k\ntimeout: 2h\n" + STEPS, Duration.ofMinutes(90)));
        assertTrue(e.getMessage().endsWith("the most allowed, 90m"), e.getMessage());
    }

    @Test
    void aDurationMustBeASingleValue() {
        assertRefused(
                "workspace: kobuki\ntimeout:\n  minutes: 5\n" + STEPS,
                ".rigfleet.yml, line 2, key \"timeout\": must be a duration (say 90s, 10m, 1h or a whole number of"
                        + " seconds), not a mapping");
        assertRefused(
                "workspace: kobuki\ntimeout:\n" + STEPS,
                ".rigfleet.yml, line 2, key \"timeout\": has no value; it must be a duration (say 90s, 10m, 1h or a"
                        + " whole number of seconds)");
    }

    // The environment

    @Test
    void envMustBeAMapping() {
        assertRefused(
                "workspace: kobuki\nenv:\n  - BOARD=kobuki\n" + STEPS,
                ".rigfleet.yml, line 2, key \"env\": must be a mapping of variable names to values, not a list");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1BOARD", "BOARD-NAME", "BOARD NAME", "A.B", "É", "", "$A"})
    void anEnvNameMustBeAShellVariableName(String name) {
        assertRefused(
                "workspace: kobuki\nenv:\n  OK: 1\n  '" + name + "': x\n" + STEPS,
                ".rigfleet.yml, line 4, key \"env\": \"" + name + "\" is not a variable name (letters, digits and"
                        + " _, not starting with a digit)");
    }

    @Test
    void anEnvNameGivenTwiceIsRefused() {
        assertRefused(
                "workspace: kobuki\nenv:\n  BOARD: a\n  BOARD: b\n" + STEPS,
                ".rigfleet.yml, line 4, key \"env\": \"BOARD\" is given twice (first on line 3)");
    }

    @Test
    void anEnvValueMustBeASingleValue() {
        assertRefused(
                "workspace: kobuki\nenv:\n  BOARDS: [a, b]\n" + STEPS,
                ".rigfleet.yml, line 3, key \"env\": the value of BOARDS must be a string, number or boolean, not a"
                        + " list");
        assertRefused(
                "workspace: kobuki\nenv:\n  BOARD:\n" + STEPS,
                ".rigfleet.yml, line 3, key \"env\": \"BOARD\" has no value; write BOARD: \"\" for an empty one");
        assertRefused(
                "workspace: kobuki\nenv:\n  ? [A]\n  : x\n" + STEPS,
                ".rigfleet.yml, line 3, key \"env\": a list is not a variable name (letters, digits and _, not"
                        + " starting with a digit)");
    }

    // The steps

    @Test
    void stepsAreRequired() {
        assertRefused(
                "workspace: kobuki\n",
                ".rigfleet.yml: has no \"steps\"; give a list of 1 to 100 shell commands to run");
    }

    @Test
    void stepsMustBeAList() {
        assertRefused(
                "workspace: kobuki\nsteps: make\n",
                ".rigfleet.yml, line 2, key \"steps\": must be a list of shell commands, not a single value");
        assertRefused(
                "workspace: kobuki\nsteps:\n  build: make\n",
                ".rigfleet.yml, line 2, key \"steps\": must be a list of shell commands, not a mapping");
    }

    @Test
    void stepsMustNotBeEmpty() {
        String message = ".rigfleet.yml, line 2, key \"steps\": is empty; give 1 to 100 shell commands to run";
        assertRefused("workspace: kobuki\nsteps: []\n", message);
        assertRefused("workspace: kobuki\nsteps:\n", message);
    }

    @Test
    void atMost100Steps() throws CiConfigException {
        String hundred = "workspace: kobuki\nsteps:\n" + "  - make\n".repeat(100);
        assertEquals(100, parse(hundred).steps().size());
        assertRefused(
                hundred + "  - make\n", ".rigfleet.yml, line 2, key \"steps\": has 101 items; at most 100 are allowed");
    }

    @Test
    void aStepMustBeACommand() {
        assertRefused(
                "workspace: kobuki\nsteps:\n  - make\n  - run: make test\n",
                ".rigfleet.yml, line 4, key \"steps\": step 2 must be a shell command, not a mapping");
        assertRefused(
                "workspace: kobuki\nsteps:\n  - make\n  -\n  - make test\n",
                ".rigfleet.yml, line 4, key \"steps\": step 2 is empty");
        assertRefused(
                "workspace: kobuki\nsteps:\n  - make\n  - '   '\n",
                ".rigfleet.yml, line 4, key \"steps\": step 2 is empty");
    }

    @Test
    void aStepHasAtMost10000Characters() throws CiConfigException {
        assertEquals(
                10_000,
                parse("workspace: kobuki\nsteps:\n  - " + "x".repeat(10_000) + "\n")
                        .steps()
                        .get(0)
                        .length());
        assertRefused(
                "workspace: kobuki\nsteps:\n  - make\n  - " + "x".repeat(10_001) + "\n",
                ".rigfleet.yml, line 4, key \"steps\": step 2 is 10,001 characters long; at most 10,000");
    }

    // The results

    @Test
    void resultsMustBeAList() {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "results: build/*.xml\n",
                ".rigfleet.yml, line 4, key \"results\": must be a list of paths of JUnit XML files, not a single"
                        + " value");
    }

    @Test
    void atMost20Results() throws CiConfigException {
        String twenty = "workspace: kobuki\n" + STEPS + "results:\n" + "  - a.xml\n".repeat(20);
        assertEquals(20, parse(twenty).results().size());
        assertRefused(
                twenty + "  - b.xml\n", ".rigfleet.yml, line 4, key \"results\": has 21 items; at most 20 are allowed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/tmp/results.xml", "~/results.xml", "~root/results.xml"})
    void aResultMustBeRelative(String path) {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "results:\n  - ok.xml\n  - " + path + "\n",
                ".rigfleet.yml, line 6, key \"results\": item 2, \"" + path + "\", must be relative to the"
                        + " repository's root");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../results.xml", "build/../../x.xml", "build/..", "..", "a/../b.xml"})
    void aResultMustNotGoUp(String path) {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "results:\n  - " + path + "\n",
                ".rigfleet.yml, line 5, key \"results\": item 1, \"" + path + "\", must not go up with \"..\"");
    }

    /** The instance's shell expands the pattern unquoted: nothing that would make it run or redirect anything. */
    @ParameterizedTest
    @ValueSource(strings = {"a b.xml", "x;rm -rf y", "$(id).xml", "`id`.xml", "a|b", "a>b.xml", "a&b", "é.xml"})
    void aResultMayHoldOnlyPlainPathCharacters(String path) {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "results:\n  - '" + path + "'\n",
                ".rigfleet.yml, line 5, key \"results\": item 1, \"" + path
                        + "\", may hold only letters, digits and . _ - / * ? [ ]");
    }

    @Test
    void aResultMayHaveDotsInItsNames() throws CiConfigException {
        CiConfig config = parse("workspace: kobuki\n" + STEPS + "results: [..results.xml, a/.../b.xml, ./c.xml]\n");
        assertEquals(List.of("..results.xml", "a/.../b.xml", "./c.xml"), config.results());
    }

    @Test
    void aResultMustBeAPath() {
        assertRefused(
                "workspace: kobuki\n" + STEPS + "results:\n  - ''\n",
                ".rigfleet.yml, line 5, key \"results\": item 1 is empty");
        assertRefused(
                "workspace: kobuki\n" + STEPS + "results:\n  - [a.xml]\n",
                ".rigfleet.yml, line 5, key \"results\": item 1 must be a path, not a list");
    }
}

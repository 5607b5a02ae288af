package dev.rigfleet.workspaces.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.rigfleet.workspaces.ci.JUnitResults.FailedCase;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JUnitResultsTest {

    private static final String SUREFIRE = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" \
            xsi:noNamespaceSchemaLocation="https://maven.apache.org/surefire/maven-surefire-plugin/xsd/surefire-test-report-3.0.xsd" \
            version="3.0" name="dev.rigfleet.demo.MotorTest" time="0.051" tests="99" errors="0" skipped="0" failures="0">
              <properties>
                <property name="java.version" value="17.0.15"/>
                <property name="surefire.test.class.path" value="/work/target/test-classes"/>
              </properties>
              <testcase name="spinsUp" classname="dev.rigfleet.demo.MotorTest" time="0.011"/>
              <testcase name="stopsAtTheLimit" classname="dev.rigfleet.demo.MotorTest" time="0.012">
                <failure message="expected: &lt;0&gt; but was: &lt;3&gt;" type="org.opentest4j.AssertionFailedError">\
            <![CDATA[org.opentest4j.AssertionFailedError: expected: <0> but was: <3>
            \tat org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)
            \tat dev.rigfleet.demo.MotorTest.stopsAtTheLimit(MotorTest.java:31)
            ]]></failure>
                <system-out><![CDATA[spinning down
            ]]></system-out>
              </testcase>
              <testcase name="readsTheEncoder" classname="dev.rigfleet.demo.MotorTest" time="0.003">
                <error message="/dev/ttyUSB0 (No such file or directory)" type="java.io.FileNotFoundException">\
            <![CDATA[java.io.FileNotFoundException: /dev/ttyUSB0 (No such file or directory)
            \tat java.base/java.io.FileInputStream.open0(Native Method)
            ]]></error>
              </testcase>
              <testcase name="calibrates" classname="dev.rigfleet.demo.MotorTest" time="0">
                <skipped message="needs the calibration jig"/>
              </testcase>
              <testcase name="brakes" classname="dev.rigfleet.demo.MotorTest" time="0.02">
                <flakyFailure message="timed out" type="java.util.concurrent.TimeoutException">\
            <![CDATA[java.util.concurrent.TimeoutException: timed out]]></flakyFailure>
              </testcase>
            </testsuite>
            """;

    private static final String PYTEST = """
            <?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" \
            failures="1" skipped="1" tests="4" time="0.213" timestamp="2025-05-01T10:00:00.000000+00:00" hostname="rig-7">\
            <testcase classname="tests.test_bumper" name="test_press" time="0.001" />\
            <testcase classname="tests.test_bumper" name="test_release" time="0.002"><failure message="assert 1 == 0">\
            def test_release(bumper):
            &gt;       assert bumper.state() == 0
            E       assert 1 == 0

            tests/test_bumper.py:9: AssertionError</failure><error message="failed on teardown with &quot;OSError: \
            bus busy&quot;">@pytest.fixture
            def bumper():
            &gt;       yield open_bus()
            E       OSError: bus busy</error></testcase>\
            <testcase classname="tests.test_bumper" name="test_hold" time="0.000"><skipped type="pytest.skip" \
            message="no bumper on this rig">tests/test_bumper.py:12: no bumper on this rig</skipped></testcase>\
            <testcase classname="tests.test_bumper" name="test_flash" time="0.000"><error message="failed on setup \
            with &quot;FileNotFoundError: firmware.bin&quot;">file tests/test_bumper.py, line 15</error></testcase>\
            </testsuite></testsuites>""";

    private static final String GO_JUNIT_REPORT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites tests="3" failures="1">
            \t<testsuite name="github.com/acme/rig/motor" tests="3" failures="1" errors="0" id="0" hostname="rig-7" \
            time="0.012" timestamp="2025-05-01T10:00:00Z">
            \t\t<properties>
            \t\t\t<property name="go.version" value="go1.22.3 linux/arm64"></property>
            \t\t</properties>
            \t\t<testcase name="TestSpin" classname="github.com/acme/rig/motor" time="0.001"></testcase>
            \t\t<testcase name="TestStop" classname="github.com/acme/rig/motor" time="0.010">
            \t\t\t<failure message="Failed"><![CDATA[    motor_test.go:21: stop: got 3, want 0]]></failure>
            \t\t</testcase>
            \t\t<testcase name="TestBrake" classname="github.com/acme/rig/motor" time="0.000">
            \t\t\t<skipped message="Skipped"><![CDATA[    motor_test.go:30: no brake on this rig]]></skipped>
            \t\t</testcase>
            \t</testsuite>
            \t<testsuite name="github.com/acme/rig/bus" tests="1" failures="0" errors="1" id="1" time="0.000">
            \t\t<testcase name="" classname="github.com/acme/rig/bus" time="0.000">
            \t\t\t<error message="No test result found"><![CDATA[panic: open /dev/i2c-1: permission denied]]></error>
            \t\t</testcase>
            \t</testsuite>
            </testsuites>
            """;

    private static final String JENKINS_NESTED = """
            <testsuites>
              <testsuite name="firmware" tests="1">
                <testsuite name="firmware.boot" tests="1">
                  <testcase classname="firmware.boot" name="powersOn"/>
                  <testcase classname="firmware.boot" name="printsTheBanner">
                    <failure type="AssertionError">

                      banner was empty   \s
                      expected "rigfleet"
                    </failure>
                  </testcase>
                </testsuite>
                <testcase classname="firmware" name="flashes"><error message="  ">
              timed out after 30s
            </error></testcase>
              </testsuite>
              <testsuite name="lonely"/>
            </testsuites>
            """;

    private HttpServer attacker;
    private final AtomicInteger attackerRequests = new AtomicInteger();

    @BeforeEach
    void startAttacker() throws IOException {
        // Serves whatever an XML parser might fetch, and counts the fetches: there must be none.
        attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        attacker.createContext("/", exchange -> {
            attackerRequests.incrementAndGet();
            byte[] body = "<!ENTITY stolen SYSTEM \"file:///etc/hostname\">".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        attacker.start();
    }

    @AfterEach
    void stopAttacker() {
        attacker.stop(0);
    }

    private String attackerUrl() {
        return "http://127.0.0.1:" + attacker.getAddress().getPort() + "/evil.dtd";
    }

    private static JUnitResults parse(String xml) throws JUnitResultsException {
        return JUnitResults.parse("build/test-results/TEST-x.xml", xml.getBytes(StandardCharsets.UTF_8));
    }

    private static JUnitResultsException refused(String xml) {
        return assertThrows(JUnitResultsException.class, () -> parse(xml));
    }

    @Test
    void surefireCountsComeFromTheCasesNotTheSuitesAttributes() throws JUnitResultsException {
        JUnitResults results = parse(SUREFIRE);
        assertEquals(
                new JUnitResults(
                        5,
                        1,
                        1,
                        1,
                        List.of(
                                new FailedCase(
                                        "dev.rigfleet.demo.MotorTest",
                                        "dev.rigfleet.demo.MotorTest",
                                        "stopsAtTheLimit",
                                        "failure",
                                        "expected: <0> but was: <3>"),
                                new FailedCase(
                                        "dev.rigfleet.demo.MotorTest",
                                        "dev.rigfleet.demo.MotorTest",
                                        "readsTheEncoder",
                                        "error",
                                        "/dev/ttyUSB0 (No such file or directory)"))),
                results);
    }

    @Test
    void pytestsTeardownErrorAfterAFailureCountsTheCaseOnce() throws JUnitResultsException {
        JUnitResults results = parse(PYTEST);
        assertEquals(4, results.tests());
        assertEquals(1, results.failures());
        assertEquals(1, results.errors());
        assertEquals(1, results.skipped());
        assertEquals(
                List.of(
                        new FailedCase("pytest", "tests.test_bumper", "test_release", "failure", "assert 1 == 0"),
                        new FailedCase(
                                "pytest",
                                "tests.test_bumper",
                                "test_flash",
                                "error",
                                "failed on setup with \"FileNotFoundError: firmware.bin\"")),
                results.failed());
    }

    @Test
    void goJunitReportsSuitesArePackages() throws JUnitResultsException {
        JUnitResults results = parse(GO_JUNIT_REPORT);
        assertEquals(
                new JUnitResults(
                        4,
                        1,
                        1,
                        1,
                        List.of(
                                new FailedCase(
                                        "github.com/acme/rig/motor",
                                        "github.com/acme/rig/motor",
                                        "TestStop",
                                        "failure",
                                        "Failed"),
                                new FailedCase(
                                        "github.com/acme/rig/bus",
                                        "github.com/acme/rig/bus",
                                        "",
                                        "error",
                                        "No test result found"))),
                results);
    }

    @Test
    void nestedSuitesNameTheirOwnCasesAndWithoutAMessageTheTextsFirstLineIsTaken() throws JUnitResultsException {
        JUnitResults results = parse(JENKINS_NESTED);
        assertEquals(
                new JUnitResults(
                        3,
                        1,
                        1,
                        0,
                        List.of(
                                new FailedCase(
                                        "firmware.boot",
                                        "firmware.boot",
                                        "printsTheBanner",
                                        "failure",
                                        "banner was empty"),
                                new FailedCase("firmware", "firmware", "flashes", "error", "timed out after 30s"))),
                results);
    }

    @Test
    void aRootTestsuitesMayBeEmpty() throws JUnitResultsException {
        assertEquals(JUnitResults.NONE, parse("<testsuites/>"));
        assertEquals(JUnitResults.NONE, parse("<testsuite name=\"none\" tests=\"3\"></testsuite>"));
    }

    @Test
    void aCaseWithNeitherMessageNorTextHasAnEmptyMessage() throws JUnitResultsException {
        JUnitResults results = parse("<testsuite name=\"s\"><testcase name=\"t\"><failure/></testcase></testsuite>");
        assertEquals(List.of(new FailedCase("s", "", "t", "failure", "")), results.failed());
    }

    @Test
    void aLongMessageIsCutAt2000Characters() throws JUnitResultsException {
        String longMessage = "x".repeat(5000);
        JUnitResults results = parse("<testsuite><testcase name=\"a\"><failure message=\"" + longMessage
                + "\"/></testcase><testcase name=\"b\"><error>\n\n  " + longMessage + "\nmore</error></testcase>"
                + "<testcase name=\"c\"><error message=\"" + "y".repeat(2000) + "\"/></testcase></testsuite>");
        String cut = "x".repeat(1999) + "…";
        assertEquals(cut, results.failed().get(0).message());
        assertEquals(cut, results.failed().get(1).message());
        assertEquals("y".repeat(2000), results.failed().get(2).message());
    }

    @Test
    void aMessageIsNotCutInsideACharacter() {
        String message = "x".repeat(1998) + "😀" + "x".repeat(10);
        assertEquals("x".repeat(1998) + "…", JUnitResults.clip(message));
    }

    @Test
    void atMost1000FailedCasesAreKeptButAllAreCounted() throws JUnitResultsException {
        String cases = "<testcase classname=\"c\" name=\"t\"><failure message=\"m\"/></testcase>".repeat(1200);
        JUnitResults results = parse("<testsuite name=\"s\">" + cases + "</testsuite>");
        assertEquals(1200, results.tests());
        assertEquals(1200, results.failures());
        assertEquals(JUnitResults.MAX_FAILED, results.failed().size());
    }

    @Test
    void filesAddUpAndTheirFailedCasesStayBounded() throws JUnitResultsException {
        JUnitResults all = JUnitResults.NONE
                .plus(parse(SUREFIRE))
                .plus(parse(PYTEST))
                .plus(parse(GO_JUNIT_REPORT))
                .plus(parse(JENKINS_NESTED));
        assertEquals(5 + 4 + 4 + 3, all.tests());
        assertEquals(1 + 1 + 1 + 1, all.failures());
        assertEquals(1 + 1 + 1 + 1, all.errors());
        assertEquals(1 + 1 + 1 + 0, all.skipped());
        assertEquals(
                List.of(
                        "stopsAtTheLimit",
                        "readsTheEncoder",
                        "test_release",
                        "test_flash",
                        "TestStop",
                        "",
                        "printsTheBanner",
                        "flashes"),
                all.failed().stream().map(FailedCase::name).toList());

        String cases = "<testcase name=\"t\"><error/></testcase>".repeat(700);
        JUnitResults many = parse("<testsuite>" + cases + "</testsuite>");
        JUnitResults both = many.plus(many);
        assertEquals(1400, both.errors());
        assertEquals(JUnitResults.MAX_FAILED, both.failed().size());
    }

    @Test
    void resultsGoThroughTheirMapUnchanged() throws JUnitResultsException {
        JUnitResults results = parse(PYTEST);
        Map<String, Object> map = results.toMap();
        assertEquals(
                Map.of(
                        "tests", 4,
                        "failures", 1,
                        "errors", 1,
                        "skipped", 1,
                        "failed",
                                List.of(
                                        Map.of(
                                                "suite", "pytest",
                                                "classname", "tests.test_bumper",
                                                "name", "test_release",
                                                "kind", "failure",
                                                "message", "assert 1 == 0"),
                                        Map.of(
                                                "suite", "pytest",
                                                "classname", "tests.test_bumper",
                                                "name", "test_flash",
                                                "kind", "error",
                                                "message",
                                                        "failed on setup with \"FileNotFoundError: firmware.bin\""))),
                map);
        assertEquals(results, JUnitResults.fromMap(map));
        assertEquals(JUnitResults.NONE, JUnitResults.fromMap(JUnitResults.NONE.toMap()));
    }

    @Test
    void storedCountsOfAnyNumberTypeAreReadBack() {
        Map<String, Object> stored =
                Map.of("tests", 3L, "failures", 1L, "errors", 0L, "skipped", 0L, "failed", List.of());
        assertEquals(3, JUnitResults.fromMap(stored).tests());
    }

    @Test
    void anyMangledFileGivesAJUnitResultsExceptionAndNothingElse() {
        String alphabet = "<>/=\"'&;!?[]- \nax";
        Random random = new Random(42); // the same mangling on every run
        for (int run = 0; run < 2_000; run++) {
            String mangled = Mangling.mangle(run % 2 == 0 ? SUREFIRE : JENKINS_NESTED, alphabet, random);
            try {
                parse(mangled);
            } catch (JUnitResultsException expected) {
                assertTrue(expected.getMessage().startsWith("build/test-results/TEST-x.xml"), expected.getMessage());
            } catch (RuntimeException e) {
                throw new AssertionError("escaped for:\n" + mangled, e);
            }
        }
    }

    // Bad files

    @Test
    void aRootThatIsNeitherTestsuitesNorTestsuiteIsRefused() {
        assertEquals(
                "build/test-results/TEST-x.xml, line 2: the root element is <html>, not <testsuites> or <testsuite>",
                refused("<?xml version=\"1.0\"?>\n<html><body>404</body></html>")
                        .getMessage());
        assertEquals(
                "build/test-results/TEST-x.xml, line 1: the root element is <testcase>, not <testsuites> or"
                        + " <testsuite>",
                refused("<testcase name=\"t\"/>").getMessage());
    }

    @Test
    void aFileThatIsNotWellFormedNamesTheLine() {
        String message =
                refused("<testsuite>\n  <testcase name=\"a\">\n</testsuite>\n").getMessage();
        assertTrue(message.startsWith("build/test-results/TEST-x.xml, line 3: "), message);
        message = refused("").getMessage();
        assertTrue(message.startsWith("build/test-results/TEST-x.xml, line 1: "), message);
        message = refused("Tests run: 3, Failures: 0").getMessage();
        assertTrue(message.startsWith("build/test-results/TEST-x.xml, line 1: "), message);
    }

    @Test
    void bytesThatAreNotUtf8AreRefused() {
        byte[] latin1 = "<testsuite name=\"Müller\"/>".getBytes(StandardCharsets.ISO_8859_1);
        JUnitResultsException e =
                assertThrows(JUnitResultsException.class, () -> JUnitResults.parse("TEST-m.xml", latin1));
        assertTrue(e.getMessage().startsWith("TEST-m.xml"), e.getMessage());
    }

    @Test
    void aDeclaredEncodingIsHonoured() throws JUnitResultsException {
        byte[] latin1 =
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><testsuite name=\"Müller\"><testcase/></testsuite>"
                        .getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(1, JUnitResults.parse("TEST-m.xml", latin1).tests());
    }

    @Test
    void anExternalEntityIsRefusedAndNotRead(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "hunter2");
        String xml = "<?xml version=\"1.0\"?>\n"
                + "<!DOCTYPE testsuite [\n"
                + "  <!ENTITY local SYSTEM \"" + secret.toUri() + "\">\n"
                + "  <!ENTITY remote SYSTEM \"" + attackerUrl() + "\">\n"
                + "  <!ENTITY % dtd SYSTEM \"" + attackerUrl() + "\"> %dtd;\n"
                + "]>\n"
                + "<testsuite><testcase name=\"t\"><failure message=\"&local;&remote;&stolen;\"/></testcase></testsuite>";
        String message = refused(xml).getMessage();
        assertTrue(message.startsWith("build/test-results/TEST-x.xml, line 2: "), message);
        assertTrue(message.contains("DOCTYPE"), message);
        assertFalse(message.contains("hunter2"), message);
        assertEquals(0, attackerRequests.get());
    }

    @Test
    void anExternalDtdIsRefusedAndNotFetched() {
        String message = refused(
                        "<?xml version=\"1.0\"?>\n<!DOCTYPE testsuite SYSTEM \"" + attackerUrl() + "\">\n<testsuite/>")
                .getMessage();
        assertTrue(message.startsWith("build/test-results/TEST-x.xml, line 2: "), message);
        assertEquals(0, attackerRequests.get());
    }

    @Test
    void anXIncludeIsNotFollowed() throws JUnitResultsException {
        JUnitResults results = parse("<testsuite xmlns:xi=\"http://www.w3.org/2001/XInclude\">" + "<xi:include href=\""
                + attackerUrl() + "\" parse=\"text\"/><testcase name=\"t\"/></testsuite>");
        assertEquals(1, results.tests());
        assertEquals(0, attackerRequests.get());
    }

    @Test
    void aBillionLaughsIsRefusedAtOnce() {
        String xml = """
                <?xml version="1.0"?>
                <!DOCTYPE lolz [
                  <!ENTITY lol "lol">
                  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
                  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
                  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
                  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
                  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
                  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
                  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
                  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
                  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
                ]>
                <testsuite><testcase name="&lol9;"/></testsuite>
                """;
        JUnitResultsException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> refused(xml));
        assertTrue(e.getMessage().startsWith("build/test-results/TEST-x.xml, line 2: "), e.getMessage());
    }
}

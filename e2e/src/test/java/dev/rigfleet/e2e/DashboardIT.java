package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.GitServer;
import dev.rigfleet.common.testing.OpenVpnClient;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in Debian's Chromium (headless, driven by its chromedriver) against the stack through the entry
 * proxy, as people use it: signing in and out with the HttpOnly cookie, a device's live state, stats chart,
 * commands and terminal, a new instance from INIT to READY whose copy-paste ssh command logs in, its firewall, a CI
 * job's live log, and the API's own error messages where something is refused.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {

    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    private static final Duration SHOWN_WITHIN = Duration.ofSeconds(20);
    /** Terminals run as this user, never root (as StreamsIT). */
    private static final String SESSION_USER =
            "root".equals(System.getProperty("user.name")) ? "nobody" : System.getProperty("user.name");

    private final Stack stack = Stack.get();
    private EntryProxy entry;
    private AgentDeployment device;
    private WebDriver browser;
    private WebDriverWait shown;
    private Path downloads;

    @BeforeAll
    void aDeploymentBehindTheEntryPoint() throws Exception {
        entry = EntryProxy.start(
                "dashboard",
                stack.workspaces.url(),
                stack.instances().url(),
                stack.registryA.url(),
                stack.coordinatorA.url());
        device = AgentDeployment.start(
                stack, entry, "dashboard", READY_WITHIN, Map.of("rigfleet.agent.session-user", SESSION_USER));
    }

    @AfterAll
    void stop() {
        device.agent().close();
        entry.close();
    }

    @BeforeEach
    void aFreshBrowser() throws Exception {
        downloads = Files.createTempDirectory("rigfleet-dashboard-downloads");
        ChromeOptions options = new ChromeOptions()
                .setBinary("/usr/bin/chromium")
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900");
        options.setExperimentalOption(
                "prefs",
                Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new java.io.File("/usr/bin/chromedriver"))
                .build();
        browser = new ChromeDriver(service, options);
        shown = new WebDriverWait(browser, SHOWN_WITHIN);
        // Pages re-render their tables as they refresh: an element found a moment ago may be replaced.
        shown.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    }

    @AfterEach
    void closeTheBrowser() {
        browser.quit();
    }

    @Test
    void anAdminSignsInWatchesTheDeviceSendsACommandUsesItsTerminalAndSignsOut() throws Exception {
        browser.get(entry.url() + "/ui/devices");
        shown.until(ExpectedConditions.urlContains("/ui/login"));
        signIn(Stack.ADMIN, "not the password");
        assertEquals("wrong user or password", errorShown());

        signIn(Stack.ADMIN, Stack.ADMIN_PASSWORD);
        shown.until(ExpectedConditions.urlContains("/ui/devices"));
        Cookie session = browser.manage().getCookieNamed("rigfleet_session");
        assertTrue(session.isHttpOnly(), "the session cookie is HttpOnly");
        assertEquals("Strict", session.getSameSite());
        assertEquals("", script("return document.cookie"), "page scripts never see the token");
        WebElement row = shown.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//table//a[contains(@href, '/ui/devices/" + device.uuid() + "')]/ancestor::tr")));
        assertTrue(row.getText().contains("online"), row.getText());
        snapshot("devices");

        // A day of stats: what the agent reports over its link reaches the device page's chart.
        await().atMost(SHOWN_WITHIN)
                .until(() -> given()
                                .auth()
                                .oauth2(Accounts.adminToken(stack))
                                .get(entry.url() + "/devices/" + device.uuid() + "/stats")
                                .then()
                                .statusCode(200)
                                .extract()
                                .<List<Map<String, Object>>>path("stats")
                                .stream()
                                .filter(sample -> sample.containsKey("rx_bytes") && sample.containsKey("open_streams"))
                                .count()
                        >= 2);
        browser.get(entry.url() + "/ui/devices/" + device.uuid());
        shown.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#stats .uplot canvas")));
        shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("summary"), "online"));
        // The picture of the page in docs/dashboard.md is this one.
        snapshot("device");

        browser.findElement(By.cssSelector("button[data-command='/v1/blink']")).click();
        shown.until(ExpectedConditions.textMatches(
                By.id("command-result"), java.util.regex.Pattern.compile("^Identify: 200")));
        // The audit lists the call on the page's next refresh.
        shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("audit"), "POST /v1/blink"));

        // The session user here has no login shell (nobody, under root): the terminal runs sh.
        browser.findElement(By.id("terminal-command")).sendKeys("/bin/sh");
        browser.findElement(By.id("open-terminal")).click();
        shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("terminal-state"), "connected"));
        browser.findElement(By.cssSelector("#terminal .xterm-helper-textarea")).sendKeys("echo dash-$((6*7))\n");
        shown.until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#terminal .xterm-rows"), "dash-42"));
        snapshot("terminal");
        // The cookie opens the terminal from the platform's own origin only: from another page it is 403, never 101.
        assertEquals(403, terminalUpgrade(session.getValue(), "http://evil.example"));
        assertEquals(403, terminalUpgrade(session.getValue(), entry.url().replace("127.0.0.1", "localhost")));
        assertEquals(101, terminalUpgrade(session.getValue(), entry.url()));

        browser.findElement(By.id("sign-out")).click();
        shown.until(ExpectedConditions.urlContains("/ui/login"));
        // Revoked, not only forgotten by the browser.
        given().cookie("rigfleet_session", session.getValue())
                .get(entry.url() + "/actor/v1/whoami")
                .then()
                .statusCode(401);
    }

    @Test
    void aUserMakesAnInstanceWatchesItBecomeReadyLogsInWithTheShownCommandNarrowsItsFirewallAndTerminatesIt()
            throws Exception {
        String user = Accounts.newUser(stack);
        browser.get(entry.url() + "/ui/login");
        signIn(user, Accounts.PASSWORD);
        shown.until(ExpectedConditions.urlContains("/ui/devices"));
        // Another owner's devices are nobody else's business.
        shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("devices"), "No devices yet"));
        browser.get(entry.url() + "/ui/devices/" + device.uuid());
        assertTrue(errorShown().contains("not found") || errorShown().contains("no device"), errorShown());
        // Nor its stats, however the path is spelled (on the registry's own port: the entry refuses odd paths).
        String stranger = tokenOf(user);
        for (String path : List.of("/stats", "/stats/", "/stats;x=1", "//stats")) {
            given().auth()
                    .oauth2(stranger)
                    .get(stack.registryA.url() + "/devices/" + device.uuid() + path)
                    .then()
                    .statusCode(404);
        }

        awaitTheDeploymentFree();
        browser.get(entry.url() + "/ui/deployments");
        WebElement button = shown.until(ExpectedConditions.elementToBeClickable(
                By.xpath("//table//tr[td[1][text()='" + device.type() + "']]//button")));
        snapshot("deployments");
        button.click();
        shown.until(ExpectedConditions.urlMatches("/ui/instances/[0-9a-f-]{36}$"));
        String id = browser.getCurrentUrl().replaceFirst(".*/ui/instances/", "");
        WebElement command = new WebDriverWait(browser, READY_WITHIN)
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("ssh-command")));
        assertTrue(browser.findElement(By.id("progress")).getText().contains("READY"));
        snapshot("instance");

        // The command as shown, pasted into a shell beside the generated key, logs in with the host keys checked.
        Path dir = Files.createTempDirectory("rigfleet-dashboard-ssh");
        String key = given().auth()
                .oauth2(tokenOf(user))
                .get(entry.url() + "/instance/" + id + "/sshkey")
                .then()
                .statusCode(200)
                .extract()
                .path("key");
        Files.writeString(dir.resolve("rigfleet-" + id + ".key"), key);
        Process shell = new ProcessBuilder("bash", "-c", command.getText() + " echo logged-in-$((40+2))")
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        assertTrue(shell.waitFor(60, TimeUnit.SECONDS), "ssh did not end");
        String output = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, shell.exitValue(), output);
        assertTrue(output.contains("logged-in-42"), output);

        assertEquals(List.of("1 0.0.0.0/0 ACCEPT"), rows("firewall"));
        WebElement source = browser.findElement(By.cssSelector("#firewall-add input[name=source]"));
        source.sendKeys("10.9.0.0/16");
        browser.findElement(By.cssSelector("#firewall-add button[type=submit]")).click();
        shown.until(driver -> rows("firewall").size() == 2);
        assertEquals(List.of("1 0.0.0.0/0 ACCEPT", "2 10.9.0.0/16 ACCEPT"), rows("firewall"));
        // A bad rule is refused with the API's message.
        source.sendKeys("not-an-address");
        browser.findElement(By.cssSelector("#firewall-add button[type=submit]")).click();
        assertTrue(errorShown().contains("must be an IPv4 address or subnet in CIDR notation"), errorShown());

        browser.findElement(By.id("terminate")).click();
        browser.switchTo().alert().accept();
        shown.until(
                ExpectedConditions.textMatches(By.id("progress"), java.util.regex.Pattern.compile("TERMINAT(ING|ED)")));
    }

    @Test
    void anOwnerMakesAndRevokesAProvisioningKeyLocksADeploymentOutAndEditsItsRules() throws Exception {
        // The stack limits /fleets to Stack.FLEETS_LIMIT calls a minute per caller: the page waits a window out
        // (as it should) when its calls pass it, so a step here may take a minute.
        shown = new WebDriverWait(browser, Duration.ofSeconds(90));
        shown.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        browser.get(entry.url() + "/ui/login");
        snapshot("login");
        // Signed in as the device's owner, whose token is the test's: the cookie carries a token, however made.
        browser.manage()
                .addCookie(new Cookie.Builder("rigfleet_session", device.ownerToken())
                        .path("/")
                        .isHttpOnly(true)
                        .sameSite("Strict")
                        .build());
        browser.get(entry.url() + "/ui/owner");
        WebElement row = shown.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//div[@id='owned']//tr[td[1][text()='" + device.deployment() + "']]")));
        assertTrue(row.getText().contains(device.type()), row.getText());

        // A provisioning key: its text shown once, then listed without it, then revoked.
        shown.until(driver ->
                !driver.findElements(By.cssSelector("#key-fleet option")).isEmpty());
        browser.findElement(By.cssSelector("#key-new button[type=submit]")).click();
        WebElement made = shown.until(ExpectedConditions.visibilityOfElementLocated(By.id("key-made")));
        java.util.regex.Matcher shownOnce = java.util.regex.Pattern.compile(
                        "New key \\(shown once\\): ([0-9a-f]{64}) \\(key (\\d+)\\)")
                .matcher(made.getText());
        assertTrue(shownOnce.matches(), made.getText());
        assertFalse(
                browser.findElement(By.id("keys")).getText().contains(shownOnce.group(1)),
                "a listed key never shows its text");
        By keyRow = By.xpath("//div[@id='keys']//tr[td[2][text()='" + shownOnce.group(2) + "']]");
        shown.until(ExpectedConditions.presenceOfElementLocated(keyRow))
                .findElement(By.xpath(".//button[text()='Revoke']"))
                .click();
        // The stack limits /fleets to Stack.FLEETS_LIMIT calls a minute per caller: the page may wait out a window.
        new WebDriverWait(browser, Duration.ofSeconds(90))
                .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(driver -> driver.findElement(keyRow)
                        .findElements(By.tagName("button"))
                        .isEmpty());

        // Lockout on and off, as the API then answers the deployment.
        clickInOwnedRow("Lock out");
        shown.until(driver -> ownedRow().getText().contains("yes"));
        assertEquals(
                Boolean.TRUE,
                given().auth()
                        .oauth2(Accounts.adminToken(stack))
                        .get(entry.url() + "/deployment/" + device.deployment())
                        .then()
                        .extract()
                        .path("lockout"));
        clickInOwnedRow("Let in");
        shown.until(driver -> ownedRow().getText().contains("no"));

        // Access rules: one added for everyone, shown, deleted.
        clickInOwnedRow("Rules");
        shown.until(ExpectedConditions.visibilityOfElementLocated(By.id("rules-section")));
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.cssSelector("#rule-new select[name=cap]")))
                .selectByVisibleText("CAP_NO_INSTANTIATE");
        browser.findElement(By.cssSelector("#rule-new button[type=submit]")).click();
        shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("rules"), "CAP_NO_INSTANTIATE"));
        snapshot("owner");
        browser.findElement(By.xpath("//div[@id='rules']//button[text()='Delete']"))
                .click();
        shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("rules"), "anyone may instantiate"));

        browser.get(entry.url() + "/ui/reservations");
        shown.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#reservations > *")));
        snapshot("reservations");
        browser.get(entry.url() + "/ui/instances");
        shown.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#instances > *")));
        snapshot("instances");
    }

    private WebElement ownedRow() {
        return browser.findElement(By.xpath("//div[@id='owned']//tr[td[1][text()='" + device.deployment() + "']]"));
    }

    private void clickInOwnedRow(String button) {
        shown.until(ExpectedConditions.elementToBeClickable(
                        ownedRow().findElement(By.xpath(".//button[text()='" + button + "']"))))
                .click();
    }

    @Test
    void aVpnInstancesClientConfigurationIsDownloadedFromItsPage() throws Exception {
        // The laptop's namespace also gives the machine the VPN's public address (Stack.VPN_ADDRESS).
        try (ContainerEngine engine = ContainerEngine.start();
                OpenVpnClient laptop = OpenVpnClient.machine(
                        "rfdash", Stack.VPN_ADDRESS, Files.createTempDirectory("rigfleet-dashboard-vpn"))) {
            AgentDeployment vpnDevice =
                    AgentDeployment.start(stack, entry, "dashvpn", READY_WITHIN, engine.agentConfig());
            try {
                String user = Accounts.newUser(stack);
                browser.get(entry.url() + "/ui/login");
                signIn(user, Accounts.PASSWORD);
                shown.until(ExpectedConditions.urlContains("/ui/devices"));
                browser.get(entry.url() + "/ui/deployments");
                WebElement button = shown.until(ExpectedConditions.elementToBeClickable(
                        By.xpath("//table//tr[td[1][text()='" + vpnDevice.type() + "']]//button")));
                browser.findElement(By.id("with-vpn")).click();
                button.click();
                shown.until(ExpectedConditions.urlMatches("/ui/instances/[0-9a-f-]{36}$"));
                String id = browser.getCurrentUrl().replaceFirst(".*/ui/instances/", "");
                new WebDriverWait(browser, Duration.ofSeconds(120))
                        .until(ExpectedConditions.visibilityOfElementLocated(By.id("vpn-section")));
                snapshot("instance-vpn");

                browser.findElement(By.id("vpn-new")).click();
                Path ovpn = await().atMost(SHOWN_WITHIN).until(this::downloadedOvpn, found -> found != null);
                String config = Files.readString(ovpn);
                assertTrue(config.contains("<ca>") && config.contains("<key>") && config.contains("\nremote "), config);
                // The file is a client the instance's VPN now knows, beside the instance's own.
                List<String> clients = given().auth()
                        .oauth2(tokenOf(user))
                        .get(entry.url() + "/vpn/" + id)
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("clients");
                assertEquals(2, clients.size(), clients.toString());
                assertTrue(ovpn.getFileName().toString().contains(clients.get(1)), ovpn + " " + clients);
                // And the real OpenVPN client joins the instance's network with it.
                laptop.connect(config);
                await().atMost(READY_WITHIN).until(laptop::connected);

                browser.findElement(By.id("terminate")).click();
                browser.switchTo().alert().accept();
                shown.until(ExpectedConditions.textMatches(
                        By.id("progress"), java.util.regex.Pattern.compile("TERMINAT(ING|ED)")));
                await().atMost(READY_WITHIN)
                        .until(() -> given().get(entry.url() + "/queuelen/" + vpnDevice.deployment())
                                        .then()
                                        .extract()
                                        .<Integer>path("len")
                                == 0);
            } finally {
                vpnDevice.agent().close();
            }
        }
    }

    /** A VPN configuration the browser has saved (a download in progress has another name). */
    private Path downloadedOvpn() throws Exception {
        try (var files = Files.list(downloads)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".ovpn"))
                    .findFirst()
                    .orElse(null);
        }
    }

    @Test
    void aCiJobsLogArrivesLiveInThePageWithItsResults() throws Exception {
        String user = Accounts.newUser(stack);
        try (GitServer git = GitServer.start()) {
            GitServer.Repo repo = git.repository("dashboard-ci");
            repo.commit(
                    "main",
                    Map.of(
                            ".rigfleet.yml",
                            "workspace: " + device.type()
                                    + "\ntimeout: 2m\nsteps:\n  - 'echo from the rig $((2*21))'\n"),
                    "passes");
            String job = given().auth()
                    .oauth2(tokenOf(user))
                    .contentType(ContentType.JSON)
                    .body(Map.of("ns", "dashboard", "repo_type", "git", "repo_branch", "main", "repo_url", repo.url()))
                    .post(entry.url() + "/ci/new")
                    .then()
                    .statusCode(200)
                    .extract()
                    .path("id");
            browser.get(entry.url() + "/ui/login");
            signIn(user, Accounts.PASSWORD);
            shown.until(ExpectedConditions.urlContains("/ui/devices"));
            browser.get(entry.url() + "/ui/ci/" + job);
            // Server-sent events over the cookie: the browser sends no Origin on a same-origin GET, its Fetch
            // Metadata says same-origin.
            new WebDriverWait(browser, Duration.ofSeconds(90))
                    .until(ExpectedConditions.textToBePresentInElementLocated(By.id("log"), "from the rig 42"));
            shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("results"), "0 tests, 0 failures"));
            snapshot("job");
            assertTrue(browser.findElement(By.id("job-summary")).getText().contains("passed"));
            browser.get(entry.url() + "/ui/ci");
            shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("jobs"), job));
            shown.until(ExpectedConditions.textToBePresentInElementLocated(By.id("projects"), repo.url()));
            snapshot("ci");
        }
        awaitTheDeploymentFree();
    }

    /** The job's or the instance's holding ends a moment after its end is shown. */
    private void awaitTheDeploymentFree() {
        await().atMost(READY_WITHIN)
                .until(() -> given().get(entry.url() + "/queuelen/" + device.deployment())
                                .then()
                                .statusCode(200)
                                .extract()
                                .<Integer>path("len")
                        == 0);
    }

    /** A picture of the page as it is now, under e2e/target/screenshots (git-ignored). */
    private void snapshot(String name) throws Exception {
        Path screenshots = Files.createDirectories(Stack.ROOT.resolve("e2e/target/screenshots"));
        Files.copy(
                ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
                screenshots.resolve(name + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    /** The status of the terminal's WebSocket upgrade through the entry with the session cookie and this Origin. */
    private int terminalUpgrade(String cookie, String origin) throws Exception {
        URI pty = URI.create(entry.url().replaceFirst("^http", "ws") + "/api/v2/workspaceagents/" + device.uuid()
                + "/pty?reconnect=" + java.util.UUID.randomUUID() + "&command=/bin/sh");
        try {
            WebSocket socket = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .header("Cookie", "rigfleet_session=" + cookie)
                    .header("Origin", origin)
                    .buildAsync(pty, new WebSocket.Listener() {})
                    .get(20, TimeUnit.SECONDS);
            socket.abort();
            return 101;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw e;
        }
    }

    private void signIn(String user, String password) {
        WebElement form = shown.until(ExpectedConditions.presenceOfElementLocated(By.id("sign-in")));
        WebElement name = form.findElement(By.name("user"));
        WebElement secret = form.findElement(By.name("password"));
        name.clear();
        name.sendKeys(user);
        secret.clear();
        secret.sendKeys(password);
        form.findElement(By.cssSelector("button[type=submit]")).click();
    }

    /** The error banner's text, once it shows. */
    private String errorShown() {
        return shown.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")))
                .getText();
    }

    private List<String> rows(String container) {
        return browser.findElements(By.cssSelector("#" + container + " tbody tr")).stream()
                .map(row -> row.getText().replaceAll("\\s+", " ").trim())
                .toList();
    }

    private Object script(String code) {
        return ((JavascriptExecutor) browser).executeScript(code);
    }

    private String tokenOf(String user) {
        return given().contentType(ContentType.JSON)
                .body(Map.of("user", user, "password", Accounts.PASSWORD))
                .post(entry.url() + "/token")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
    }
}

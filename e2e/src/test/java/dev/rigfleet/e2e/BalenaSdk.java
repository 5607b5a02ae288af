package dev.rigfleet.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real balena-sdk from npm, at the version e2e/src/test/node/balena-sdk/package-lock.json pins. It is installed
 * outside the checkout, under {@code ${XDG_CACHE_HOME:-~/.cache}/rigfleet/balena-sdk}, once per lockfile, so that a
 * fresh clone (CI's) reuses it.
 */
final class BalenaSdk {

    private static final Path SOURCES = Stack.ROOT.resolve("e2e/src/test/node/balena-sdk");
    private static final Path CACHE = Path.of(
                    System.getenv().getOrDefault("XDG_CACHE_HOME", System.getProperty("user.home") + "/.cache"))
            .resolve("rigfleet");
    private static final Path INSTALL = CACHE.resolve("balena-sdk");
    private static final ObjectMapper JSON = new ObjectMapper();

    private BalenaSdk() {}

    /** Runs sdk-calls.js with this environment; answers each call's outcome by the call's name. */
    static Map<String, JsonNode> run(Map<String, String> environment) throws IOException, InterruptedException {
        install();
        Files.copy(
                SOURCES.resolve("sdk-calls.js"), INSTALL.resolve("sdk-calls.js"), StandardCopyOption.REPLACE_EXISTING);
        ProcessBuilder node = new ProcessBuilder(node(), "sdk-calls.js").directory(INSTALL.toFile());
        node.environment().putAll(environment);
        Path errors = Files.createTempFile("balena-sdk", ".err");
        node.redirectError(errors.toFile());
        Process process = node.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("sdk-calls.js failed: " + output + Files.readString(errors));
        }
        Map<String, JsonNode> outcomes = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (!line.isBlank()) {
                JsonNode outcome = JSON.readTree(line);
                outcomes.put(outcome.path("call").asText(), outcome);
            }
        }
        return outcomes;
    }

    /** npm ci into the cache, unless the lockfile there is this one and its packages are in place. */
    private static synchronized void install() throws IOException, InterruptedException {
        Path lock = SOURCES.resolve("package-lock.json");
        Path installedLock = INSTALL.resolve("package-lock.json");
        if (Files.exists(INSTALL.resolve("node_modules/balena-sdk/package.json"))
                && Files.exists(installedLock)
                && Arrays.equals(Files.readAllBytes(lock), Files.readAllBytes(installedLock))) {
            return;
        }
        Files.createDirectories(INSTALL);
        Files.copy(
                SOURCES.resolve("package.json"), INSTALL.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(lock, installedLock, StandardCopyOption.REPLACE_EXISTING);
        List<String> command = new ArrayList<>(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"));
        Process npm = new ProcessBuilder(command)
                .directory(INSTALL.toFile())
                .redirectErrorStream(true)
                .start();
        npm.getOutputStream().close();
        String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
            throw new IllegalStateException(
                    "npm ci of balena-sdk failed (make deps installs Node.js and npm): " + output);
        }
    }

    /** The Node.js that make deps provided: its own Node.js 20 where the system's is older, else the system's. */
    private static String node() {
        Path own = CACHE.resolve("node/bin/node");
        return Files.isExecutable(own) ? own.toString() : "node";
    }
}

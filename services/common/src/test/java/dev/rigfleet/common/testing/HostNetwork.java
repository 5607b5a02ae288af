package dev.rigfleet.common.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** This machine's own network, read before and after a test that must leave it as it was. */
public final class HostNetwork {

    private HostNetwork() {}

    /** A command's exit code and what it printed. */
    public record Result(int status, String output) {}

    /** The interfaces and their addresses, without what changes by itself (address lifetimes). */
    public static String addresses() throws Exception {
        return run("ip", "-o", "addr")
                .lines()
                .map(line -> String.join(" ", Arrays.asList(line.split("\\s+")).subList(0, 4)))
                .collect(Collectors.joining("\n"));
    }

    /** The firewall, without what changes by itself: when it was read, and the chains' counters. */
    public static String firewall() throws Exception {
        return run("iptables-save")
                .lines()
                .filter(line -> !line.startsWith("#"))
                .map(line -> line.replaceAll("\\[\\d+:\\d+\\]", ""))
                .collect(Collectors.joining("\n"));
    }

    /** Runs the command, failing with what it printed unless it succeeds. */
    public static void runOrFail(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output.strip());
        }
    }

    /** What the command printed, both streams. */
    public static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return output;
    }
}

package dev.rigfleet.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What a measured process uses: read from {@code /proc}, and from its own {@code /q/metrics}. */
final class ProcessStats {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** Linux's clock ticks per second, the unit of a process's CPU times in {@code /proc/<pid>/stat}. */
    private static final double TICKS_PER_SECOND = 100;

    private ProcessStats() {}

    static double rssMb(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                        .filter(line -> line.startsWith("VmRSS:"))
                        .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                        .findFirst()
                        .orElse(0)
                / 1024.0;
    }

    /** The CPU time (user and system) the process has used since it started, in seconds. */
    static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // Fields after the command name (which may hold spaces), from the 3rd: utime is the 14th, stime the 15th.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    }

    /** The heap in use, from the service's own metrics. */
    static double heapUsedMb(String baseUrl) throws Exception {
        return metric(baseUrl, "jvm_memory_used_bytes", "area=\"heap\"") / (1024 * 1024);
    }

    /** The sum of a metric's series whose labels contain {@code labels} (all its series when empty). */
    static double metric(String baseUrl, String name, String labels) throws Exception {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                .filter(line -> (line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(labels))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    /** Asks the JVM for a full collection ({@code jcmd GC.run}), so that the heap in use is what is live. */
    static void collectGarbage(long pid) throws Exception {
        Process jcmd = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(pid),
                        "GC.run")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!jcmd.waitFor(60, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " GC.run failed");
        }
    }
}

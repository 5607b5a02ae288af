package dev.rigfleet.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * An open-loop load driver: requests start on a fixed schedule whatever the answers do, and each one's latency counts
 * from the moment the schedule meant it to start, not from when it could. A server that stalls therefore shows its
 * stall in every request that waited behind it (no coordinated omission), as a real client population would see it.
 * Runs on one Vert.x context, so the histogram needs no locks.
 */
final class OpenLoop {

    /** What one run at one rate measured; latencies in microseconds. */
    record Result(
            double targetRate,
            double achievedRate,
            long sent,
            long ok,
            long failed,
            Histogram latencies,
            Map<String, Integer> failures) {

        double percentileMs(double percentile) {
            return latencies.getValueAtPercentile(percentile) / 1000.0;
        }

        String summary() {
            return String.format(
                    Locale.ROOT,
                    "%6.0f/s target, %6.0f/s achieved, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, %d failed %s",
                    targetRate,
                    achievedRate,
                    percentileMs(50),
                    percentileMs(90),
                    percentileMs(99),
                    percentileMs(99.9),
                    failed,
                    failures.isEmpty() ? "" : failures.toString());
        }
    }

    private static final long TICK_MS = 1;

    private OpenLoop() {}

    /**
     * Calls {@code call} {@code rate} times a second for {@code duration}, then waits up to {@code drain} for the
     * calls still out; a call that fails, or is still out then, counts as failed.
     */
    static Result run(Vertx vertx, Supplier<Future<?>> call, double rate, Duration duration, Duration drain)
            throws Exception {
        long total = Math.max(1, Math.round(rate * duration.toMillis() / 1000.0));
        double intervalNanos = 1e9 / rate;
        Histogram latencies = new Histogram(TimeUnit.MINUTES.toMicros(2), 3);
        long[] counts = new long[3]; // sent, ok, failed
        long[] lastDone = new long[1];
        Map<String, Integer> failures = new LinkedHashMap<>();
        Promise<Long> started = Promise.promise();
        Promise<Void> finished = Promise.promise();
        // One context for the schedule, the answers and the final read: every count and the histogram stay on it.
        Context context = vertx.getOrCreateContext();
        context.runOnContext(ignored -> {
            long start = System.nanoTime();
            started.complete(start);
            vertx.setPeriodic(TICK_MS, timer -> {
                long due = Math.min(total, (long) ((System.nanoTime() - start) / intervalNanos) + 1);
                while (counts[0] < due) {
                    long intended = start + (long) (counts[0] * intervalNanos);
                    counts[0]++;
                    Future<?> answer;
                    try {
                        answer = call.get();
                    } catch (RuntimeException e) {
                        answer = Future.failedFuture(e);
                    }
                    answer.onComplete(done -> {
                        long now = System.nanoTime();
                        lastDone[0] = now;
                        if (done.succeeded()) {
                            counts[1]++;
                            latencies.recordValue(Math.min(
                                    latencies.getHighestTrackableValue(),
                                    Math.max(0, TimeUnit.NANOSECONDS.toMicros(now - intended))));
                        } else {
                            counts[2]++;
                            // The first few kinds of failure, to tell a refusal from a time-out.
                            String kind = String.valueOf(done.cause().getMessage());
                            if (failures.size() < 5 || failures.containsKey(kind)) {
                                failures.merge(kind.length() > 80 ? kind.substring(0, 80) : kind, 1, Integer::sum);
                            }
                        }
                        if (counts[1] + counts[2] == total) {
                            finished.tryComplete();
                        }
                    });
                }
                if (counts[0] == total) {
                    vertx.cancelTimer(timer);
                }
            });
        });
        long start = started.future().toCompletionStage().toCompletableFuture().get();
        try {
            finished.future()
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(duration.plus(drain).toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // Calls still out count as failed: they did not answer in any useful time.
        }
        Promise<Result> read = Promise.promise();
        context.runOnContext(ignored -> {
            long ok = counts[1];
            double seconds = Math.max(duration.toMillis() / 1000.0, (lastDone[0] - start) / 1e9);
            read.complete(
                    new Result(rate, ok / seconds, counts[0], ok, total - ok, latencies.copy(), Map.copyOf(failures)));
        });
        return read.future().toCompletionStage().toCompletableFuture().get();
    }
}

package dev.rigfleet.registry.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Writes the supervisor proxy's audit rows after the answers rather than before them: a row is queued and the caller
 * answered; one writer inserts what is queued, all of it in one pipelined batch, and the next batch takes what
 * arrived meanwhile, so that under load a round trip to PostgreSQL carries many rows. The promise (docs/api.md): a
 * row is stored moments after its answer, in the order of the answers; a registry that stops gracefully writes what
 * it holds first; a crash loses the rows not yet written (at most those of the last moments). When the queue is
 * full (PostgreSQL slower than the calls), a call waits for its own row as before, so that the queue stays bounded.
 */
@ApplicationScoped
public class ProxyAudit {

    /** Rows one batch takes at most. */
    static final int BATCH = 256;
    /** Rows queued before a call waits for its own. */
    static final int QUEUE = 10_000;

    private static final Duration DRAIN = Duration.ofSeconds(10);

    private final Pool sql;
    private final String insert;
    private final Counter failed;
    private final Deque<Tuple> queued = new ArrayDeque<>();
    private boolean writing;
    /** Completes when the writer has nothing left to write. */
    private CompletableFuture<Void> drained = CompletableFuture.completedFuture(null);

    public ProxyAudit(
            Pool sql,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") String schema,
            MeterRegistry meters) {
        this.sql = sql;
        this.insert = "INSERT INTO " + schema + ".supervisor_commands"
                + " (request_id, user_id, owner_id, method, url, devices, duration_ms, created_at)"
                + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        this.failed = Counter.builder("rigfleet.proxy.audit.failed")
                .description("Audit rows of proxied calls that could not be written")
                .register(meters);
        Gauge.builder("rigfleet.proxy.audit.queued", this, ProxyAudit::queuedRows)
                .description("Audit rows of answered proxied calls not written yet")
                .register(meters);
    }

    /**
     * Queues the row (the columns of {@link #insert}); completes at once, or once the row is written when the queue
     * is full.
     */
    public Uni<Void> record(Tuple row) {
        boolean start;
        synchronized (this) {
            if (queued.size() >= QUEUE) {
                return write(List.of(row));
            }
            queued.addLast(row);
            start = !writing;
            if (start) {
                writing = true;
                drained = new CompletableFuture<>();
            }
        }
        if (start) {
            writeQueued();
        }
        return Uni.createFrom().voidItem();
    }

    private void writeQueued() {
        List<Tuple> batch = new ArrayList<>();
        synchronized (this) {
            while (batch.size() < BATCH && !queued.isEmpty()) {
                batch.add(queued.removeFirst());
            }
            if (batch.isEmpty()) {
                writing = false;
                drained.complete(null);
                return;
            }
        }
        write(batch).subscribe().with(written -> writeQueued(), failure -> writeQueued());
    }

    private Uni<Void> write(List<Tuple> rows) {
        return sql.preparedQuery(insert)
                .executeBatch(rows)
                .replaceWithVoid()
                // The devices have run the calls and their callers have their answers: all that is lost is the record.
                .onFailure()
                .recoverWithUni(failure -> {
                    failed.increment(rows.size());
                    Log.errorf(
                            "Could not audit %d proxied call(s), request ids %s: %s",
                            rows.size(),
                            rows.stream().map(row -> row.getString(0)).toList(),
                            failure.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    /** A graceful stop writes what is queued first; the database pool closes after this. */
    void drain(@Observes @Priority(1) ShutdownEvent stopping) {
        int rows = queuedRows();
        if (!awaitWritten(DRAIN)) {
            Log.errorf("Stopping with %d proxied call(s) not audited after %s", rows, DRAIN);
        }
    }

    /**
     * Waits, at most {@code limit}, until the writer has nothing queued or in flight (each row written, or its failure
     * logged); answers whether it came to that.
     */
    public boolean awaitWritten(Duration limit) {
        CompletableFuture<Void> pending;
        synchronized (this) {
            pending = drained;
        }
        try {
            pending.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    synchronized int queuedRows() {
        return queued.size();
    }
}

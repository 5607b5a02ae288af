package dev.rigfleet.workspaces.ci;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * A job's log followed as it is written, for {@code GET /ci/job/:id/log} with {@code Accept: text/event-stream}.
 * It reads what the database holds (whichever replica runs the job writes there), every {@link #POLL_MS} while
 * nothing new comes, and ends after the last line of a job that has ended.
 */
@ApplicationScoped
public class CiLogStream {

    static final long POLL_MS = 200;
    private static final int READ = 256 * 1024;

    private final CiRepository ci;
    private final Vertx vertx;

    public CiLogStream(CiRepository ci, Vertx vertx) {
        this.ci = ci;
        this.vertx = vertx;
    }

    public Multi<OutboundSseEvent> follow(UUID jobId, long from, Sse sse) {
        return Multi.createFrom().emitter(emitter -> new Follower(jobId, from, sse, emitter).poll());
    }

    /** One client's place in the log: the bytes read up to {@code offset}, and a line begun but not ended. */
    private final class Follower {
        private final UUID jobId;
        private final Sse sse;
        private final MultiEmitter<? super OutboundSseEvent> emitter;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private long offset;

        Follower(UUID jobId, long from, Sse sse, MultiEmitter<? super OutboundSseEvent> emitter) {
            this.jobId = jobId;
            this.sse = sse;
            this.emitter = emitter;
            this.offset = from;
        }

        void poll() {
            if (emitter.isCancelled()) {
                return;
            }
            // The job's state is read before its log: a job seen ended has written its last byte already.
            ci.job(jobId)
                    .chain(job -> ci.log(jobId, offset, READ).map(bytes -> new Read(job, bytes)))
                    .subscribe()
                    .with(this::take, emitter::fail);
        }

        private record Read(CiJob job, byte[] bytes) {}

        private void take(Read read) {
            emitLines(read.bytes());
            if (read.bytes().length > 0) {
                poll();
                return;
            }
            if (read.job() == null || !read.job().live()) {
                if (partial.size() > 0) {
                    emitLine(partial.toByteArray());
                    partial.reset();
                }
                JsonObject outcome = new JsonObject()
                        .put(
                                "status",
                                read.job() == null ? "unknown" : read.job().status())
                        .put("reason", read.job() == null ? null : read.job().reason());
                emitter.emit(sse.newEventBuilder()
                        .name("end")
                        .id(Long.toString(offset))
                        .data(outcome.encode())
                        .build());
                emitter.complete();
                return;
            }
            vertx.setTimer(POLL_MS, ignored -> poll());
        }

        private void emitLines(byte[] bytes) {
            int start = 0;
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    partial.write(bytes, start, i - start);
                    offset += i - start + 1;
                    emitLine(partial.toByteArray());
                    partial.reset();
                    start = i + 1;
                }
            }
            partial.write(bytes, start, bytes.length - start);
            offset += bytes.length - start;
        }

        private void emitLine(byte[] line) {
            // A newline never falls inside a UTF-8 sequence, so a whole line decodes on its own.
            emitter.emit(sse.newEventBuilder()
                    .name("line")
                    .id(Long.toString(offset))
                    .data(new String(line, StandardCharsets.UTF_8))
                    .build());
        }
    }
}

package dev.rigfleet.workspaces.ci;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/**
 * A running job's log: what its commands print, and lines of the runner's own ({@code [rigfleet] ...}), gathered
 * here and written to the database in chunks by {@link #store} (the runner calls it often). Past {@code maxBytes}
 * it keeps nothing more and says so once.
 */
final class JobLog extends OutputStream {

    private static final Duration WRITE = Duration.ofSeconds(10);

    private final CiRepository ci;
    private final UUID jobId;
    private final long maxBytes;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final Object flushing = new Object();
    /** Bytes written to the database so far: the next chunk's offset. */
    private long stored;
    /** Bytes accepted so far, stored or pending. */
    private long accepted;

    private boolean truncated;

    JobLog(CiRepository ci, UUID jobId, long maxBytes) {
        this.ci = ci;
        this.jobId = jobId;
        this.maxBytes = maxBytes;
    }

    /** A line of the runner's own, told apart from the job's output by its prefix. */
    void say(String line) {
        byte[] bytes = ("[rigfleet] " + line + "\n").getBytes(StandardCharsets.UTF_8);
        write(bytes, 0, bytes.length);
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        if (truncated) {
            return;
        }
        long room = maxBytes - accepted;
        if (length <= room) {
            pending.write(bytes, offset, length);
            accepted += length;
            return;
        }
        pending.write(bytes, offset, (int) Math.max(0, room));
        byte[] marker = ("\n[rigfleet] the log is cut here: it reached its limit of " + maxBytes
                        + " bytes; the job goes on\n")
                .getBytes(StandardCharsets.UTF_8);
        pending.write(marker, 0, marker.length);
        accepted = maxBytes + marker.length;
        truncated = true;
    }

    /**
     * Writes what is pending as one chunk. One flush at a time, so that chunks are stored in their order: a reader
     * following the log never sees a later chunk before an earlier one.
     */
    void store() {
        synchronized (flushing) {
            byte[] chunk;
            long offset;
            boolean cut;
            synchronized (this) {
                if (pending.size() == 0) {
                    return;
                }
                chunk = pending.toByteArray();
                pending.reset();
                offset = stored;
                stored += chunk.length;
                cut = truncated;
            }
            ci.appendLog(jobId, offset, chunk, cut).await().atMost(WRITE);
        }
    }
}

package dev.rigfleet.workspaces.ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.mutiny.Uni;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A job's log is stored in order, chunk after chunk at its offsets, and cut once at its limit with a marker. */
class JobLogTest {

    /** The chunks as the database would receive them. */
    private static final class RecordingRepository extends CiRepository {
        final List<Long> offsets = new ArrayList<>();
        final ByteArrayOutputStream stored = new ByteArrayOutputStream();
        boolean truncated;

        RecordingRepository() {
            super(null);
        }

        @Override
        public Uni<Void> appendLog(UUID id, long offset, byte[] data, boolean cut) {
            assertEquals(stored.size(), offset, "each chunk starts where the last ended");
            offsets.add(offset);
            stored.write(data, 0, data.length);
            truncated = cut;
            return Uni.createFrom().voidItem();
        }
    }

    @Test
    void chunksFollowEachOtherAndNothingIsWrittenWhenNothingIsPending() {
        RecordingRepository ci = new RecordingRepository();
        JobLog log = new JobLog(ci, UUID.randomUUID(), 1_000);
        log.write("hello\n".getBytes(StandardCharsets.UTF_8), 0, 6);
        log.store();
        log.store();
        log.say("step 1");
        log.store();
        assertEquals(List.of(0L, 6L), ci.offsets);
        assertEquals("hello\n[rigfleet] step 1\n", ci.stored.toString(StandardCharsets.UTF_8));
    }

    @Test
    void pastItsLimitTheLogSaysItIsCutOnceAndKeepsNothingMore() {
        RecordingRepository ci = new RecordingRepository();
        JobLog log = new JobLog(ci, UUID.randomUUID(), 10);
        log.write("0123456789abcdef".getBytes(StandardCharsets.UTF_8), 0, 16);
        log.write("more\n".getBytes(StandardCharsets.UTF_8), 0, 5);
        log.say("still running");
        log.store();
        String stored = ci.stored.toString(StandardCharsets.UTF_8);
        assertTrue(stored.startsWith("0123456789\n[rigfleet] the log is cut here"), stored);
        assertEquals(1, stored.split("the log is cut here", -1).length - 1, stored);
        assertTrue(!stored.contains("abcdef") && !stored.contains("more") && !stored.contains("still running"));
        assertTrue(ci.truncated);
    }
}

package dev.rigfleet.agent.apps;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/** The local-process runtime against the runtime contract. */
class ProcessRuntimeTest extends AppRuntimeContract {

    private static final Vertx VERTX = Vertx.vertx();
    private static final ProcessRuntime RUNTIME = new ProcessRuntime(VERTX);

    @AfterAll
    static void close() {
        RUNTIME.stopAll();
        VERTX.close();
    }

    @Override
    AppRuntime runtime() {
        return RUNTIME;
    }

    @Override
    ServiceSpec service(String uuid, String restart) {
        return new ServiceSpec(
                uuid,
                "contract",
                1,
                1,
                "c",
                "",
                List.of("/bin/sh", "-c", "eval \"$SCRIPT\""),
                Map.of(),
                restart,
                "{}",
                List.of());
    }

    /** A local process sees the device's own path. */
    @Override
    String lockPathSeen(Path lockDir) {
        return lockDir.resolve(UpdateLocks.LOCK_FILE).toString();
    }
}

package dev.rigfleet.agent.device;

import dev.rigfleet.agent.link.DeviceEndpoint;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One terminal session: the {@code script} process, a thread reading its output (a process's pipe cannot be read
 * without blocking), a thread writing its input, and the last {@code replayBytes} of output for whoever attaches
 * next. At most one client is attached; a newer one takes over.
 */
final class PtySession {

    private static final Logger LOG = Logger.getLogger(PtySession.class.getName());

    private final Vertx vertx;
    private final String id;
    private final Process process;
    private final Duration idleTimeout;
    private final Runnable forget;
    private final byte[] ring;
    private final ExecutorService input;
    private int ringStart;
    private int ringSize;
    private DeviceEndpoint.Output attached;
    private boolean paused;
    private boolean ended;
    private long idleTimer = -1;

    PtySession(Vertx vertx, String id, Process process, Duration idleTimeout, int replayBytes, Runnable forget) {
        this.vertx = vertx;
        this.id = id;
        this.process = process;
        this.idleTimeout = idleTimeout;
        this.forget = forget;
        this.ring = new byte[replayBytes];
        this.input = Executors.newSingleThreadExecutor(task -> daemon(task, "pty-input-" + id));
        daemon(this::pumpOutput, "pty-output-" + id).start();
        scheduleIdleEnd();
    }

    /** Attaches a client: it gets the recent output, then everything new. */
    synchronized DeviceEndpoint attach(DeviceEndpoint.Output output) {
        if (ended) {
            throw new IllegalStateException("the session has ended");
        }
        if (attached != null) {
            attached.closed("another client attached to this session");
        }
        cancelIdleEnd();
        attached = output;
        paused = false;
        notifyAll();
        if (ringSize > 0) {
            output.data(Buffer.buffer(recentOutput()));
        }
        return new Attachment(output);
    }

    /** Ends the session: the terminal's processes get SIGTERM, and SIGKILL a little later if they linger. */
    void end() {
        ProcessHandle handle = process.toHandle();
        handle.descendants().forEach(ProcessHandle::destroy);
        handle.destroy();
        vertx.setTimer(2000, ignored -> {
            handle.descendants().forEach(ProcessHandle::destroyForcibly);
            handle.destroyForcibly();
        });
    }

    private void pumpOutput() {
        byte[] buffer = new byte[8192];
        try (InputStream output = process.getInputStream()) {
            int read;
            while ((read = output.read(buffer)) > 0) {
                byte[] chunk = Arrays.copyOf(buffer, read);
                synchronized (this) {
                    // A client without credit holds up the terminal, as a slow terminal would.
                    while (attached != null && paused) {
                        wait();
                    }
                    remember(chunk);
                    if (attached != null) {
                        attached.data(Buffer.buffer(chunk));
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            LOG.log(Level.FINE, "Terminal session {0} output ended: {1}", new Object[] {id, e.getMessage()});
        }
        String exit = exitStatus();
        synchronized (this) {
            ended = true;
            cancelIdleEnd();
            if (attached != null) {
                attached.closed("the session ended (" + exit + ")");
                attached = null;
            }
        }
        input.shutdownNow();
        forget.run();
        LOG.log(Level.INFO, "Terminal session {0} ended ({1})", new Object[] {id, exit});
    }

    private String exitStatus() {
        try {
            return process.waitFor(5, TimeUnit.SECONDS) ? "exit status " + process.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private void remember(byte[] chunk) {
        for (byte b : chunk.length > ring.length
                ? Arrays.copyOfRange(chunk, chunk.length - ring.length, chunk.length)
                : chunk) {
            ring[(ringStart + ringSize) % ring.length] = b;
            if (ringSize < ring.length) {
                ringSize++;
            } else {
                ringStart = (ringStart + 1) % ring.length;
            }
        }
    }

    private byte[] recentOutput() {
        byte[] recent = new byte[ringSize];
        for (int i = 0; i < ringSize; i++) {
            recent[i] = ring[(ringStart + i) % ring.length];
        }
        return recent;
    }

    private synchronized void detach(DeviceEndpoint.Output output) {
        if (attached == output) {
            attached = null;
            paused = false;
            notifyAll();
            scheduleIdleEnd();
        }
    }

    private synchronized void setPaused(DeviceEndpoint.Output output, boolean pause) {
        if (attached == output) {
            paused = pause;
            notifyAll();
        }
    }

    private void scheduleIdleEnd() {
        if (!ended) {
            idleTimer = vertx.setTimer(idleTimeout.toMillis(), ignored -> {
                synchronized (this) {
                    if (attached != null || ended) {
                        return;
                    }
                }
                LOG.log(Level.INFO, "Terminal session {0} idle for {1}; ending it", new Object[] {id, idleTimeout});
                end();
            });
        }
    }

    private void cancelIdleEnd() {
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
            idleTimer = -1;
        }
    }

    private void resize(int width, int height) {
        onInputThread(
                () -> {},
                () -> terminal().ifPresent(tty -> {
                    try {
                        new ProcessBuilder(
                                        "stty",
                                        "-F",
                                        tty,
                                        "rows",
                                        Integer.toString(height),
                                        "cols",
                                        Integer.toString(width))
                                .redirectErrorStream(true)
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .start()
                                .waitFor(5, TimeUnit.SECONDS);
                    } catch (IOException e) {
                        LOG.log(Level.WARNING, "Could not resize terminal {0}: {1}", new Object[] {tty, e.getMessage()
                        });
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
    }

    /** The pseudo-terminal the session's command runs on: the one its first process in a terminal reads from. */
    private Optional<String> terminal() {
        return process.toHandle()
                .descendants()
                .map(child -> {
                    try {
                        return Files.readSymbolicLink(Path.of("/proc", Long.toString(child.pid()), "fd", "0"))
                                .toString();
                    } catch (IOException | UnsupportedOperationException e) {
                        return "";
                    }
                })
                .filter(path -> path.startsWith("/dev/pts/"))
                .findFirst();
    }

    /** Runs blocking work on the session's input thread; once the session ended, runs only {@code otherwise}. */
    private void onInputThread(Runnable otherwise, Runnable task) {
        try {
            input.execute(task);
        } catch (RejectedExecutionException ended) {
            otherwise.run();
        }
    }

    private static Thread daemon(Runnable task, String name) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        return thread;
    }

    /** One client's view of the session. */
    private final class Attachment implements DeviceEndpoint {

        private final Output output;

        Attachment(Output output) {
            this.output = output;
        }

        @Override
        public void write(Buffer bytes, Runnable written) {
            OutputStream toTerminal = process.getOutputStream();
            onInputThread(written, () -> {
                try {
                    toTerminal.write(bytes.getBytes());
                    toTerminal.flush();
                } catch (IOException e) {
                    LOG.log(Level.FINE, "Terminal session {0} input closed: {1}", new Object[] {id, e.getMessage()});
                }
                written.run();
            });
        }

        @Override
        public void pause() {
            setPaused(output, true);
        }

        @Override
        public void resume() {
            setPaused(output, false);
        }

        @Override
        public void resize(int width, int height) {
            PtySession.this.resize(width, height);
        }

        @Override
        public void close() {
            detach(output);
        }
    }
}

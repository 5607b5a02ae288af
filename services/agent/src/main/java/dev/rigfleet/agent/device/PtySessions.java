package dev.rigfleet.agent.device;

import dev.rigfleet.agent.link.DeviceEndpoint;
import dev.rigfleet.proto.agent.PtyTarget;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The device's terminal sessions, by reconnect id. A session is the system's {@code script} (util-linux) under {@code
 * setsid}, so that the command gets a real pseudo-terminal; it outlives the streams attached to it, replays its recent
 * output to the next one, and ends once nothing has been attached for the idle time-out.
 *
 * <p>Sessions run as the configured session user. An agent running as root never opens one as root unless told to.
 */
public final class PtySessions {

    /** Recent output kept per session for a client that reattaches. */
    public static final int REPLAY_BYTES = 64 * 1024;

    /**
     * The script that {@code script} runs in the terminal (with {@code $SHELL -c}, hence /bin/sh there): size first,
     * so that the command sees it, then the command, or the user's own shell as a login shell.
     */
    private static final String IN_TERMINAL =
            "stty rows \"$RIGFLEET_PTY_ROWS\" cols \"$RIGFLEET_PTY_COLS\" 2>/dev/null; "
                    + "export SHELL=\"$RIGFLEET_PTY_SHELL\"; "
                    + "if [ -n \"$RIGFLEET_PTY_COMMAND\" ]; then exec /bin/sh -c \"$RIGFLEET_PTY_COMMAND\"; "
                    + "else exec \"$SHELL\" -l; fi";

    private final Vertx vertx;
    private final String agentUser;
    private final Optional<String> configuredUser;
    private final Duration idleTimeout;
    private final Path passwd;
    private final Map<String, PtySession> sessions = new ConcurrentHashMap<>();

    public PtySessions(Vertx vertx, Optional<String> configuredUser, Duration idleTimeout) {
        this(vertx, System.getProperty("user.name"), configuredUser, idleTimeout, Path.of("/etc/passwd"));
    }

    PtySessions(Vertx vertx, String agentUser, Optional<String> configuredUser, Duration idleTimeout, Path passwd) {
        this.vertx = vertx;
        this.agentUser = agentUser;
        this.configuredUser = configuredUser;
        this.idleTimeout = idleTimeout;
        this.passwd = passwd;
    }

    /** Attaches to the session of the target's reconnect id, starting it if there is none. */
    public Future<DeviceEndpoint> attach(PtyTarget target, DeviceEndpoint.Output output) {
        return vertx.executeBlocking(
                () -> {
                    PtySession session = sessions.computeIfAbsent(target.getReconnect(), id -> start(id, target));
                    return session.attach(output);
                },
                false);
    }

    /** Sessions running now. */
    public int size() {
        return sessions.size();
    }

    /** Ends every session (the agent is stopping). */
    public void closeAll() {
        sessions.values().forEach(PtySession::end);
    }

    private PtySession start(String id, PtyTarget target) {
        String user = configuredUser.orElse(agentUser);
        if ("root".equals(user) && configuredUser.isEmpty()) {
            throw new IllegalStateException("this agent runs as root: set rigfleet.agent.session-user to the user "
                    + "terminal sessions run as (root only if that is really meant)");
        }
        if (!user.equals(agentUser) && !"root".equals(agentUser)) {
            throw new IllegalStateException(
                    "this agent runs as " + agentUser + " and cannot start sessions as " + user);
        }
        String[] account = account(user);
        List<String> command = new ArrayList<>();
        if (!user.equals(agentUser)) {
            command.addAll(List.of("runuser", "-u", user, "--"));
        }
        command.addAll(
                List.of("setsid", "script", "--quiet", "--flush", "--return", "--command", IN_TERMINAL, "/dev/null"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // The agent's own environment (its configuration, its secrets) is not the session's.
        Map<String, String> environment = builder.environment();
        environment.clear();
        environment.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        environment.put("HOME", account[5]);
        environment.put("USER", user);
        environment.put("LOGNAME", user);
        environment.put("SHELL", "/bin/sh");
        environment.put("RIGFLEET_PTY_SHELL", account[6].isEmpty() ? "/bin/sh" : account[6]);
        environment.put("TERM", "xterm-256color");
        environment.put("LANG", "C.UTF-8");
        environment.put("RIGFLEET_PTY_ROWS", Integer.toString(target.getHeight() > 0 ? target.getHeight() : 24));
        environment.put("RIGFLEET_PTY_COLS", Integer.toString(target.getWidth() > 0 ? target.getWidth() : 80));
        environment.put("RIGFLEET_PTY_COMMAND", target.getCommand());
        Path home = Path.of(account[5]);
        builder.directory(Files.isDirectory(home) ? home.toFile() : Path.of("/").toFile());
        try {
            return new PtySession(vertx, id, builder.start(), idleTimeout, REPLAY_BYTES, () -> sessions.remove(id));
        } catch (IOException e) {
            throw new IllegalStateException("could not start a terminal: " + e.getMessage(), e);
        }
    }

    /** The user's passwd entry: name, password, uid, gid, gecos, home, shell. */
    private String[] account(String user) {
        try (var lines = Files.lines(passwd)) {
            return lines.map(line -> line.split(":", -1))
                    .filter(fields -> fields.length >= 7 && fields[0].equals(user))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no user " + user + " on this device"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + passwd + ": " + e.getMessage(), e);
        }
    }
}

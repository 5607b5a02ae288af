package dev.rigfleet.workspaces.ci;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * A CI job's SSH session on its instance, as its user would log in: through {@code fwd}, the host key checked
 * against the instance's own, with the job's key. Commands run one at a time; {@link #close} from another thread
 * ends the one running (a cancel, a time-out).
 */
final class InstanceShell implements AutoCloseable {

    private static final Duration CONNECT = Duration.ofSeconds(20);

    /** How a command ended: its exit code, or null when the session closed first. */
    record Outcome(Integer exitCode, boolean timedOut) {}

    private final SshClient client;
    private final ClientSession session;

    private InstanceShell(SshClient client, ClientSession session) {
        this.client = client;
        this.session = session;
    }

    /** Logs in as {@code root} (the instance's user, as its {@code rootuser} says) at host:port. */
    static InstanceShell open(String host, int port, List<String> hostKeys, KeyPair key) throws IOException {
        Set<String> expected =
                hostKeys.stream().map(PublicKeyLines::withoutComment).collect(Collectors.toSet());
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, address, serverKey) -> expected.contains(PublicKeyLines.of(serverKey)));
        client.start();
        try {
            ClientSession session =
                    client.connect("root", host, port).verify(CONNECT).getSession();
            session.addPublicKeyIdentity(key);
            session.auth().verify(CONNECT);
            return new InstanceShell(client, session);
        } catch (IOException | RuntimeException e) {
            client.stop();
            throw e;
        }
    }

    /** Runs a shell command, its output (stdout and stderr) to {@code out}, for at most {@code limit}. */
    Outcome run(String command, OutputStream out, Duration limit) throws IOException {
        return run(command, new byte[0], out, limit);
    }

    /** As {@link #run(String, OutputStream, Duration)}, with {@code input} on the command's standard input. */
    Outcome run(String command, byte[] input, OutputStream out, Duration limit) throws IOException {
        try (ChannelExec channel = session.createExecChannel(command)) {
            channel.setIn(new ByteArrayInputStream(input));
            channel.setOut(out);
            channel.setErr(out);
            channel.open().verify(CONNECT);
            Set<ClientChannelEvent> events = channel.waitFor(
                    EnumSet.of(ClientChannelEvent.CLOSED, ClientChannelEvent.EXIT_STATUS),
                    Math.max(1, limit.toMillis()));
            if (events.contains(ClientChannelEvent.TIMEOUT)) {
                return new Outcome(null, true);
            }
            if (events.contains(ClientChannelEvent.EXIT_STATUS)) {
                // The output may still be on its way: it has arrived once the channel closes.
                channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), CONNECT.toMillis());
            }
            return new Outcome(channel.getExitStatus(), false);
        }
    }

    /** A command's output, at most {@code maxBytes} of it; null when it did not exit 0. */
    byte[] read(String command, int maxBytes, Duration limit) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStream bounded = new OutputStream() {
            @Override
            public void write(int b) {
                if (out.size() < maxBytes) {
                    out.write(b);
                }
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                out.write(bytes, offset, Math.min(length, Math.max(0, maxBytes - out.size())));
            }
        };
        Outcome outcome = run(command, bounded, limit);
        return outcome.exitCode() != null && outcome.exitCode() == 0 ? out.toByteArray() : null;
    }

    boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public void close() {
        try {
            session.close(true);
        } finally {
            client.stop();
        }
    }
}

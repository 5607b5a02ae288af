package dev.rigfleet.agent.instances;

import io.quarkus.logging.Log;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.shell.ProcessShellFactory;
import org.apache.sshd.server.subsystem.SubsystemFactory;

/**
 * The local-process runtime: each instance is an SSH server embedded in the agent (Apache SSHD) on a loopback port,
 * with a host key of its own. It accepts the login name {@code root} with the instance's keys only, and runs what the
 * user asks as the session user: shells in a real pseudo-terminal ({@code script}), commands with {@code /bin/sh
 * -c}, SFTP as OpenSSH's {@code sftp-server} — processes, so that nothing runs with the agent's own rights when the
 * session user is another. It isolates nothing beyond that user: the instance sees the device as that user does.
 * Instances live as long as the agent process.
 */
public final class LocalInstanceRuntime implements InstanceRuntime {

    static final String SFTP_SERVER = "/usr/lib/openssh/sftp-server";

    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private record Served(RunningInstance running, SshServer server) {}

    private final String agentUser;
    private final String sessionUser;
    private final String sessionHome;
    private final Map<String, Served> instances = new ConcurrentHashMap<>();

    /**
     * @param agentUser the user the agent runs as
     * @param sessionUser the user instance sessions run as (switched to with {@code runuser} when it is another)
     * @param sessionHome that user's home directory
     */
    public LocalInstanceRuntime(String agentUser, String sessionUser, String sessionHome) {
        this.agentUser = agentUser;
        this.sessionUser = sessionUser;
        this.sessionHome = sessionHome;
    }

    @Override
    public synchronized RunningInstance start(InstanceSpec spec) {
        Served served = instances.get(spec.id());
        if (served != null) {
            return served.running();
        }
        if (spec.vpn().isPresent()) {
            // Its SSH server is a part of the agent, in the device's own network: it cannot be moved onto a VPN.
            throw new IllegalArgumentException("this deployment cannot host a VPN: its agent runs instances in its own"
                    + " process (rigfleet.agent.instance-runtime=local); the container runtime can");
        }
        List<PublicKey> allowed = spec.authorizedKeys().stream()
                .map(LocalInstanceRuntime::publicKey)
                .toList();
        KeyPair hostKey = hostKey();
        SshServer server = SshServer.setUpDefaultServer();
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(null);
        server.setPublickeyAuthenticator((username, offered, session) ->
                "root".equals(username) && allowed.stream().anyMatch(key -> KeyUtils.compareKeys(key, offered)));
        server.setShellFactory(processes(
                "shell", asSessionUser("script", "--quiet", "--return", "--command", "exec /bin/sh -l", "/dev/null")));
        server.setCommandFactory((channel, command) ->
                processes(command, asSessionUser("/bin/sh", "-c", command)).createShell(channel));
        server.setSubsystemFactories(List.of(new SubsystemFactory() {
            @Override
            public String getName() {
                return "sftp";
            }

            @Override
            public org.apache.sshd.server.command.Command createSubsystem(ChannelSession channel) throws IOException {
                return processes("sftp", asSessionUser(SFTP_SERVER)).createShell(channel);
            }
        }));
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the instance's SSH server: " + e.getMessage(), e);
        }
        RunningInstance running = new RunningInstance(
                spec.id(), "127.0.0.1", server.getPort(), List.of(PublicKeyEntry.toString(hostKey.getPublic())));
        instances.put(spec.id(), new Served(running, server));
        Log.infof(
                "Instance %s: SSH on 127.0.0.1:%d for %d key(s), sessions as %s",
                spec.id(), running.port(), allowed.size(), sessionUser);
        return running;
    }

    /**
     * A process of exactly these arguments. Apache SSHD 2.19 runs a factory's name through {@code sh -c} unless told
     * otherwise, which would make the name a command of its own.
     */
    private static ProcessShellFactory processes(String name, List<String> command) {
        return new ProcessShellFactory(name, command) {
            @Override
            protected List<String> resolveEffectiveCommand(
                    ChannelSession channel, String rawCommand, List<String> parsedElements) {
                return parsedElements;
            }
        };
    }

    @Override
    public boolean stop(String id) {
        Served served = instances.remove(id);
        if (served == null) {
            return false;
        }
        try {
            // Closing the server closes its sessions, whose processes get their input closed and are destroyed.
            served.server().stop(true);
        } catch (IOException e) {
            Log.warnf("Instance %s: its SSH server did not stop cleanly (%s)", id, e.getMessage());
        }
        Log.infof("Instance %s ended", id);
        return true;
    }

    /** An SSH server in the agent's own network: nothing to filter that the tunnel does not. */
    @Override
    public boolean applyFirewall(String id, List<Rule> rules) {
        if (!instances.containsKey(id)) {
            throw new IllegalArgumentException("this agent runs no instance " + id);
        }
        return false;
    }

    @Override
    public Optional<RunningInstance> find(String id) {
        return Optional.ofNullable(instances.get(id)).map(Served::running);
    }

    @Override
    public List<RunningInstance> list() {
        return instances.values().stream().map(Served::running).toList();
    }

    /** Its instances live in the agent's process: they all end with it. */
    @Override
    public void agentStopping() {
        new ArrayList<>(instances.keySet()).forEach(this::stop);
    }

    /**
     * The command as the session user, in an environment of its own: the agent's (its configuration, its secrets)
     * is not the user's.
     */
    private List<String> asSessionUser(String... command) {
        List<String> line = new ArrayList<>();
        if (!sessionUser.equals(agentUser)) {
            line.addAll(List.of("runuser", "-u", sessionUser, "--"));
        }
        line.addAll(List.of(
                "env",
                "-i",
                "PATH=" + PATH,
                "HOME=" + sessionHome,
                "USER=" + sessionUser,
                "LOGNAME=" + sessionUser,
                "SHELL=/bin/sh",
                "TERM=xterm-256color",
                "LANG=C.UTF-8"));
        line.addAll(List.of(command));
        return line;
    }

    private static KeyPair hostKey() {
        try {
            return KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM cannot make an EC host key: " + e.getMessage(), e);
        }
    }

    static PublicKey publicKey(String line) {
        try {
            return PublicKeyEntry.parsePublicKeyEntry(line.strip()).resolvePublicKey(null, null, null);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not an SSH public key: " + abbreviated(line));
        }
    }

    private static String abbreviated(String line) {
        return line.length() > 40 ? line.substring(0, 40) + "…" : line;
    }
}

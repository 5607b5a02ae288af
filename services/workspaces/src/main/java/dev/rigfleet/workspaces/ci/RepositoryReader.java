package dev.rigfleet.workspaces.ci;

import dev.rigfleet.workspaces.ci.RepositoryException.Kind;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.text.MessageFormat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.NotSupportedException;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.internal.JGitText;
import org.eclipse.jgit.lib.AbbreviatedObjectId;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.EmptyProgressMonitor;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.BasePackFetchConnection;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.Daemon;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.PackTransport;
import org.eclipse.jgit.transport.PushConnection;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.TagOpt;
import org.eclipse.jgit.transport.TcpTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.sshd.ServerKeyDatabase;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.util.FileUtils;

/**
 * What a CI job runs, read before it reserves hardware: the exact commit, and the {@value #CONFIG_FILE} at that commit
 * that names the hardware. Each read fetches into a bare repository of its own, deleted afterwards.
 */
public final class RepositoryReader {

    /**
     * @param revision the commit's full id
     * @param config the {@value #CONFIG_FILE} at that commit, empty when the commit has no such file
     * @param hostKey an ssh:// server's host key as met (an OpenSSH public key line), null for other schemes
     */
    public record Snapshot(String revision, Optional<String> config, String hostKey) {}

    /**
     * How an ssh:// repository is read: signed in as the URL's user with this key alone, from a server whose host
     * key is {@code knownHostKey} (an OpenSSH public key line); a null one is trusted on first use and reported in
     * the snapshot, for the caller to keep.
     */
    public record SshAccess(KeyPair key, String knownHostKey) {}

    public static final String CONFIG_FILE = ".rigfleet.yml";

    /** A larger file is refused unread: it is parsed, stored with the job and shown back to users. */
    static final int MAX_CONFIG_BYTES = 64 * 1024;

    /** The name of every temporary repository's directory starts with this. */
    static final String TEMPORARY_PREFIX = "rigfleet-ci-read-";

    private static final Pattern COMMIT = Pattern.compile("[0-9a-fA-F]{7,40}");

    /** scp-like addresses are not among them: each read is of a URL. */
    private static final Set<String> SCHEMES = Set.of("git", "http", "https", "file", "ssh");

    /** How Apache MINA SSHD says that the server accepted none of the keys offered. */
    private static final String SSHD_NO_MORE_AUTHENTICATION = "No more authentication methods available";

    private static final String HEADS = Constants.R_HEADS;
    private static final String FETCHED = Constants.R_REMOTES + "origin/";

    private final Repository repository;
    private final URIish uri;
    /** The URL as messages show it, without a password. */
    private final String shownUrl;

    private final Duration timeout;
    private final Instant deadline;
    /** For ssh:// only: how JGit signs in, and the host key it met. */
    private final SshSessions ssh;

    private RepositoryReader(Repository repository, URIish uri, Duration timeout, SshSessions ssh) {
        this.repository = repository;
        this.uri = uri;
        this.shownUrl = uri.toString();
        this.timeout = timeout;
        this.deadline = Instant.now().plus(timeout);
        this.ssh = ssh;
    }

    /**
     * Fetches from the URL into a temporary bare repository (deleted afterwards, whatever happens) and resolves the
     * commit to run: with a branch and no commit, the branch's head; with both, the commit, which the branch's head
     * must reach; with a commit and no branch, the commit, which some branch's head must reach.
     *
     * @param url a git://, http(s):// or file:// URL
     * @param commit a commit id, full or abbreviated to at least 7 hexadecimal digits
     * @param timeout for the whole read, give or take one wait for the server
     * @throws IllegalArgumentException for a URL, branch name or commit id that is malformed
     */
    public static Snapshot read(String url, String branch, String commit, Duration timeout) throws RepositoryException {
        return read(url, branch, commit, timeout, null);
    }

    /**
     * As {@link #read(String, String, String, Duration)}, for an ssh:// URL too.
     *
     * @param ssh how to sign in and whom to trust; required for an ssh:// URL, ignored for others
     */
    public static Snapshot read(String url, String branch, String commit, Duration timeout, SshAccess ssh)
            throws RepositoryException {
        URIish uri = parseUrl(url);
        boolean overSsh = uri.getScheme().equals("ssh");
        if (overSsh && (ssh == null || uri.getUser() == null)) {
            throw new IllegalArgumentException(
                    ssh == null
                            ? "an ssh:// repository needs a key to sign in with"
                            : "\"" + uri + "\" names no user (as in ssh://git@host/path)");
        }
        if (branch == null && commit == null) {
            throw new IllegalArgumentException("a branch or a commit is required");
        }
        if (branch != null && !Repository.isValidRefName(HEADS + branch)) {
            throw new IllegalArgumentException("\"" + branch + "\" is not a valid branch name");
        }
        if (commit != null && !COMMIT.matcher(commit).matches()) {
            throw new IllegalArgumentException("\"" + commit + "\" is not a commit id (7 to 40 hexadecimal digits)");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive");
        }
        try (TemporaryDirectory directory = TemporaryDirectory.create();
                Git git = Git.init()
                        .setBare(true)
                        .setDirectory(directory.path().toFile())
                        .call();
                SshSessions sessions = overSsh ? new SshSessions(ssh, directory.path()) : null) {
            return new RepositoryReader(git.getRepository(), uri, timeout, sessions).snapshot(branch, commit);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GitAPIException e) {
            throw new IllegalStateException("cannot create a temporary repository", e);
        }
    }

    private static URIish parseUrl(String url) {
        if (url == null) {
            throw new IllegalArgumentException("a repository URL is required");
        }
        try {
            URIish uri = new URIish(url);
            if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme())) {
                throw new IllegalArgumentException(
                        "\"" + uri + "\" is not a git://, http(s)://, ssh:// or file:// URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("\"" + url + "\" is not a URL");
        }
    }

    private Snapshot snapshot(String branch, String commit) throws IOException, RepositoryException {
        StoredConfig config = repository.getConfig();
        // JGit collects garbage after a fetch, in the background: pointless in a repository about to go, and a race
        // with its deletion.
        config.setBoolean(ConfigConstants.CONFIG_FETCH_SECTION, null, ConfigConstants.CONFIG_KEY_AUTOGC, false);
        config.save();
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit revision;
            if (branch == null) {
                fetch(HEADS + "*", null);
                // Only what the branches' heads reach was fetched: a commit found is on one of them.
                revision = find(walk, commit);
                if (revision == null) {
                    throw noSuchCommit(commit);
                }
            } else {
                fetch(HEADS + branch, branch);
                revision = commit == null ? head(walk, branch) : onBranch(walk, commit, branch);
            }
            return new Snapshot(revision.name(), config(revision), ssh == null ? null : ssh.hostKey());
        }
    }

    private RevCommit onBranch(RevWalk walk, String commit, String branch) throws IOException, RepositoryException {
        RevCommit revision = find(walk, commit);
        if (revision == null) {
            // The branch's history alone cannot tell a commit of another branch's from none at all.
            fetch(HEADS + "*", null);
            revision = find(walk, commit);
            if (revision == null) {
                throw noSuchCommit(commit);
            }
        }
        // The head is read again: the second fetch may have moved it.
        if (!walk.isMergedInto(revision, head(walk, branch))) {
            throw new RepositoryException(
                    Kind.COMMIT_NOT_ON_BRANCH,
                    "commit " + commit + " is not on branch \"" + branch + "\" of " + shownUrl);
        }
        return revision;
    }

    /** Fetches the heads the pattern names, every commit they reach and nothing else (no tags). */
    private void fetch(String heads, String branch) throws IOException, RepositoryException {
        RefSpec spec = new RefSpec("+" + heads + ":" + FETCHED + heads.substring(HEADS.length()));
        try (Alarm alarm = ssh == null ? null : new Alarm(deadline);
                Transport transport = open()) {
            transport.setTagOpt(TagOpt.NO_TAGS);
            transport.fetch(new DeadlineMonitor(deadline), List.of(spec));
        } catch (TransportException e) {
            if (ssh != null && ssh.mismatch() != null) {
                throw new RepositoryException(
                        Kind.HOST_KEY_CHANGED,
                        "the ssh server of " + shownUrl + " offered host key " + ssh.mismatch()
                                + ", not the project's " + ssh.hostKey()
                                + "; if the server's key really changed, make a new project for it");
            }
            String reason = reason(e);
            if (ssh != null && reason.equals(SSHD_NO_MORE_AUTHENTICATION)) {
                throw new RepositoryException(
                        Kind.KEY_REFUSED,
                        "cannot fetch " + shownUrl + ": the server refused the key (" + reason + ")",
                        e);
            }
            if (branch != null && isMissing(e, heads)) {
                throw new RepositoryException(
                        Kind.NO_SUCH_BRANCH, "branch \"" + branch + "\" not found in " + shownUrl);
            }
            throw new RepositoryException(Kind.UNREACHABLE, "cannot fetch " + shownUrl + ": " + reason, e);
        }
    }

    /** A transport that waits for the server until the deadline at most. */
    private Transport open() throws IOException {
        if (uri.getScheme().equals("git")) {
            return new GitDaemonTransport(repository, uri, deadline);
        }
        Transport transport = Transport.open(repository, uri);
        if (transport instanceof SshTransport overSsh) {
            overSsh.setSshSessionFactory(ssh.factory());
        }
        // JGit's timeout bounds each wait for the server, not the whole fetch; DeadlineMonitor ends the rest.
        transport.setTimeout(
                (int) Math.max(1, Duration.between(Instant.now(), deadline).toSeconds()));
        return transport;
    }

    /** Whether the server has no such ref, which JGit tells by its message only. */
    private static boolean isMissing(TransportException e, String ref) {
        return MessageFormat.format(JGitText.get().remoteDoesNotHaveSpec, ref).equals(e.getMessage());
    }

    /** Why the fetch failed, in a line without the URL (the message names it already). */
    private String reason(TransportException failure) {
        Throwable innermost = failure;
        while (innermost.getCause() != null) {
            innermost = innermost.getCause();
        }
        if (innermost instanceof InterruptedIOException || Instant.now().isAfter(deadline)) {
            return "timed out after " + timeout.toString().substring(2).toLowerCase(Locale.ROOT);
        }
        String message = String.valueOf(innermost.getMessage()).strip().replaceFirst("\\.$", "");
        return message.startsWith(shownUrl + ": ") ? message.substring(shownUrl.length() + 2) : message;
    }

    private RevCommit head(RevWalk walk, String branch) throws IOException {
        return walk.parseCommit(repository.exactRef(FETCHED + branch).getObjectId());
    }

    /** The commit the id names among those fetched, or null when none. */
    private RevCommit find(RevWalk walk, String commit) throws IOException, RepositoryException {
        ObjectReader objects = walk.getObjectReader();
        List<ObjectId> commits = new ArrayList<>();
        // A full id is answered as it is, whether the object exists or not.
        for (ObjectId candidate : objects.resolve(AbbreviatedObjectId.fromString(commit.toLowerCase(Locale.ROOT)))) {
            if (objects.has(candidate) && objects.open(candidate).getType() == Constants.OBJ_COMMIT) {
                commits.add(candidate);
            }
        }
        if (commits.size() > 1) {
            throw new RepositoryException(
                    Kind.NO_SUCH_COMMIT, "commit " + commit + " is ambiguous in " + shownUrl + ": give more digits");
        }
        return commits.isEmpty() ? null : walk.parseCommit(commits.get(0));
    }

    private RepositoryException noSuchCommit(String commit) {
        return new RepositoryException(
                Kind.NO_SUCH_COMMIT, "commit " + commit + " not found on any branch of " + shownUrl);
    }

    /** The configuration file at the commit; a directory, symbolic link or submodule by its name is no file. */
    private Optional<String> config(RevCommit revision) throws IOException, RepositoryException {
        try (TreeWalk entry = TreeWalk.forPath(repository, CONFIG_FILE, revision.getTree())) {
            if (entry == null
                    || !(entry.getFileMode(0) == FileMode.REGULAR_FILE
                            || entry.getFileMode(0) == FileMode.EXECUTABLE_FILE)) {
                return Optional.empty();
            }
            ObjectLoader file = repository.open(entry.getObjectId(0), Constants.OBJ_BLOB);
            if (file.getSize() > MAX_CONFIG_BYTES) {
                throw new RepositoryException(
                        Kind.TOO_LARGE,
                        CONFIG_FILE + " at " + revision.name() + " is " + file.getSize() + " bytes, more than the "
                                + MAX_CONFIG_BYTES / 1024 + " KiB read");
            }
            return Optional.of(new String(file.getBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Cancels the fetch once the deadline has passed, while objects are negotiated and received: over http(s), a
     * server that keeps sending, however slowly, would otherwise keep the fetch going (and the disk filling).
     */
    private static final class DeadlineMonitor extends EmptyProgressMonitor {

        private final Instant deadline;

        DeadlineMonitor(Instant deadline) {
            this.deadline = deadline;
        }

        @Override
        public boolean isCancelled() {
            return Instant.now().isAfter(deadline);
        }
    }

    /**
     * git:// as JGit's own transport speaks it, with every read on the socket bounded by the deadline. JGit bounds a
     * read by interrupting the reading thread, which has not ended a blocked socket read since Java 13: a server that
     * accepts and then stays silent would hold the fetch forever.
     */
    private static final class GitDaemonTransport extends TcpTransport implements PackTransport {

        private final Instant deadline;

        GitDaemonTransport(Repository local, URIish uri, Instant deadline) {
            super(local, uri);
            this.deadline = deadline;
        }

        @Override
        public FetchConnection openFetch() throws TransportException {
            return openFetch(List.of());
        }

        @Override
        public FetchConnection openFetch(Collection<RefSpec> refSpecs, String... additionalPatterns)
                throws TransportException {
            return new Connection(refSpecs, additionalPatterns);
        }

        @Override
        public PushConnection openPush() throws NotSupportedException {
            throw new NotSupportedException("repositories are only read");
        }

        @Override
        public void close() {
            // Each connection closes its own socket.
        }

        private final class Connection extends BasePackFetchConnection {

            private final Socket socket = new Socket();

            Connection(Collection<RefSpec> refSpecs, String... additionalPatterns) throws TransportException {
                super(GitDaemonTransport.this);
                int port = uri.getPort() > 0 ? uri.getPort() : Daemon.DEFAULT_PORT;
                try {
                    socket.connect(new InetSocketAddress(uri.getHost(), port), millisLeft());
                    init(
                            new BufferedInputStream(new DeadlineInput(socket.getInputStream())),
                            new BufferedOutputStream(socket.getOutputStream()));
                    // git daemon's request line, asking for protocol version 2 as JGit does: the server then lists
                    // only the refs asked for.
                    String host = uri.getHost() + (port == Daemon.DEFAULT_PORT ? "" : ":" + port);
                    pckOut.writeString("git-upload-pack " + uri.getPath() + "\0host=" + host + "\0\0version=2\0");
                    pckOut.flush();
                } catch (UnknownHostException e) {
                    close();
                    throw new TransportException(uri, "unknown host");
                } catch (IOException e) {
                    close();
                    throw new TransportException(uri, e.getMessage(), e);
                }
                if (!readAdvertisedRefs()) {
                    lsRefs(refSpecs, additionalPatterns);
                }
            }

            @Override
            public void close() {
                super.close();
                try {
                    socket.close();
                } catch (IOException e) {
                    // Nothing is left to do with the socket.
                }
            }

            private int millisLeft() throws SocketTimeoutException {
                long left = Duration.between(Instant.now(), deadline).toMillis();
                if (left <= 0) {
                    throw new SocketTimeoutException("deadline passed");
                }
                return (int) Math.min(left, Integer.MAX_VALUE);
            }

            /** The socket's input, each read given the time left: a server sending slowly ends with the deadline too. */
            private final class DeadlineInput extends FilterInputStream {

                DeadlineInput(InputStream in) {
                    super(in);
                }

                @Override
                public int read() throws IOException {
                    socket.setSoTimeout(millisLeft());
                    return super.read();
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    socket.setSoTimeout(millisLeft());
                    return super.read(buffer, offset, length);
                }
            }
        }
    }

    /**
     * Interrupts the reading thread at the deadline. JGit waits for an ssh server's authentication for sshd's own
     * two minutes whatever the transport's timeout, and sshd's waits end when their thread is interrupted.
     */
    private static final class Alarm implements AutoCloseable {

        private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "ci-repository-read-alarm");
            thread.setDaemon(true);
            return thread;
        });

        private final Thread reader = Thread.currentThread();
        private final ScheduledFuture<?> ringing;
        private boolean done;
        private boolean rang;

        Alarm(Instant deadline) {
            ringing = TIMER.schedule(
                    this::ring,
                    Math.max(0, Duration.between(Instant.now(), deadline).toMillis()),
                    TimeUnit.MILLISECONDS);
        }

        private synchronized void ring() {
            if (!done) {
                rang = true;
                reader.interrupt();
            }
        }

        @Override
        public synchronized void close() {
            done = true;
            ringing.cancel(false);
            if (rang) {
                // The interrupt was this alarm's; the thread goes on to other work.
                Thread.interrupted();
            }
        }
    }

    /**
     * JGit's SSH sessions for one read: no configuration, key or known host of this machine's user, only the
     * owner's key and the project's host key (or the first one met, kept as {@link #hostKey}).
     */
    private static final class SshSessions implements AutoCloseable {

        private final SshAccess access;
        private final SshdSessionFactory factory;
        private volatile String hostKey;
        /** The host key a server offered instead of the known one, or null. */
        private volatile String mismatch;

        SshSessions(SshAccess access, Path directory) throws IOException {
            this.access = access;
            this.hostKey = access.knownHostKey() == null ? null : PublicKeyLines.withoutComment(access.knownHostKey());
            Path home = Files.createDirectory(directory.resolve("ssh-home"));
            ServerKeyDatabase hostKeys = new ServerKeyDatabase() {
                @Override
                public List<PublicKey> lookup(String address, InetSocketAddress remote, Configuration config) {
                    return List.of();
                }

                @Override
                public boolean accept(
                        String address,
                        InetSocketAddress remote,
                        PublicKey serverKey,
                        Configuration config,
                        CredentialsProvider provider) {
                    return trusted(PublicKeyLines.of(serverKey));
                }
            };
            this.factory = new SshdSessionFactoryBuilder()
                    .setHomeDirectory(home.toFile())
                    .setSshDirectory(home.resolve(".ssh").toFile())
                    .setConfigStoreFactory((homeDirectory, configFile, localUser) -> null)
                    .setDefaultKeysProvider(sshDirectory -> List.of(access.key()))
                    .setPreferredAuthentications("publickey")
                    .setServerKeyDatabase((homeDirectory, sshDirectory) -> hostKeys)
                    .build(null);
        }

        /** The known host key must be met again; without one, the first met is kept. */
        private synchronized boolean trusted(String met) {
            if (access.knownHostKey() == null && hostKey == null) {
                hostKey = met;
                return true;
            }
            if (!met.equals(hostKey)) {
                mismatch = met;
                return false;
            }
            return true;
        }

        SshdSessionFactory factory() {
            return factory;
        }

        String hostKey() {
            return hostKey;
        }

        String mismatch() {
            return mismatch;
        }

        @Override
        public void close() {
            factory.close();
        }
    }

    /** A directory deleted with all it holds when closed, after the repository in it is closed. */
    private record TemporaryDirectory(Path path) implements AutoCloseable {

        static TemporaryDirectory create() throws IOException {
            return new TemporaryDirectory(Files.createTempDirectory(TEMPORARY_PREFIX));
        }

        @Override
        public void close() throws IOException {
            FileUtils.delete(path.toFile(), FileUtils.RECURSIVE | FileUtils.RETRY);
        }
    }
}

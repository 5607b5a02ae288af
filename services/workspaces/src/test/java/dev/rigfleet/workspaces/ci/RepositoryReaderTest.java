package dev.rigfleet.workspaces.ci;

import static dev.rigfleet.workspaces.ci.RepositoryReader.CONFIG_FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.testing.GitServer;
import dev.rigfleet.workspaces.ci.RepositoryException.Kind;
import dev.rigfleet.workspaces.ci.RepositoryReader.Snapshot;
import dev.rigfleet.workspaces.ci.RepositoryReader.SshAccess;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Against the real {@code git daemon}, OpenSSH's {@code sshd} serving the same repositories, and the same
 * repositories read from disk by file:// URLs.
 */
class RepositoryReaderTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    /** The owner's key, authorized on the server as a deploy key would be. */
    private static KeyPair ownerKey;

    private static GitServer server;
    private static GitServer.Repo board;
    private static GitServer.Repo layouts;
    private static GitServer.Repo sizes;
    private static String first;
    private static String mainHead;
    private static String featureHead;
    private static String tooLarge;
    private static Set<Path> temporaryBefore;

    @BeforeAll
    static void startServer() throws Exception {
        temporaryBefore = temporaryRepositories();
        server = GitServer.start();
        // Not Ed25519: this module's plain tests and its Quarkus tests share a JVM, where BouncyCastle registered
        // from one class loader hands sshd in the other Ed25519 keys it cannot cast. The e2e tests use Ed25519.
        server.startSsh("ecdsa");
        ownerKey = ecdsaKey();
        server.authorize(PublicKeyEntry.toString(ownerKey.getPublic()));
        board = server.repository("board");
        first = board.commit("main", Map.of(CONFIG_FILE, "hardware: first\n"), "first");
        mainHead = board.commit("main", Map.of(CONFIG_FILE, "hardware: second\n"), "second");
        featureHead = board.commit("feature", Map.of(CONFIG_FILE, "hardware: feature\n"), "feature");
        layouts = server.repository("layouts");
        layouts.commit("plain", Map.of("README.md", "no configuration\n"), "no configuration");
        layouts.commit("nested", Map.of("ci/" + CONFIG_FILE, "hardware: nested\n"), "nested");
        // Each branch starts from the one before, so the one with the directory comes last.
        layouts.commit("directory", Map.of(CONFIG_FILE + "/hardware.yml", "hardware: inside\n"), "directory");
        sizes = server.repository("sizes");
        sizes.commit("largest", Map.of(CONFIG_FILE, "#".repeat(RepositoryReader.MAX_CONFIG_BYTES)), "largest");
        tooLarge = sizes.commit(
                "too-large", Map.of(CONFIG_FILE, "#".repeat(RepositoryReader.MAX_CONFIG_BYTES + 1)), "too large");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @AfterEach
    void noTemporaryRepositoryIsLeftBehind() throws IOException {
        assertEquals(temporaryBefore, temporaryRepositories());
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void branchAloneIsReadAtItsHead(String scheme) throws Exception {
        Snapshot snapshot = read(url(board, scheme), "main", null);

        assertEquals(new Snapshot(mainHead, Optional.of("hardware: second\n"), hostKey(scheme)), snapshot);
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void commitOnTheBranchIsReadAtThatCommit(String scheme) throws Exception {
        Snapshot snapshot = read(url(board, scheme), "main", first);

        assertEquals(new Snapshot(first, Optional.of("hardware: first\n"), hostKey(scheme)), snapshot);
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void abbreviatedCommitIsAnsweredWithItsFullId(String scheme) throws Exception {
        assertEquals(
                first, read(url(board, scheme), "main", first.substring(0, 7)).revision());
        assertEquals(
                first,
                read(url(board, scheme), "main", first.substring(0, 12).toUpperCase())
                        .revision());
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void commitOnlyOnAnotherBranchIsNotOnTheBranch(String scheme) {
        String url = url(board, scheme);
        RepositoryException e = assertThrows(RepositoryException.class, () -> read(url, "main", featureHead));

        assertEquals(Kind.COMMIT_NOT_ON_BRANCH, e.kind());
        assertEquals("commit " + featureHead + " is not on branch \"main\" of " + url, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void commitWithoutABranchIsReadFromWhicheverBranchHasIt(String scheme) throws Exception {
        Snapshot snapshot = read(url(board, scheme), null, featureHead.substring(0, 7));

        assertEquals(new Snapshot(featureHead, Optional.of("hardware: feature\n"), hostKey(scheme)), snapshot);
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void unknownBranchIsNotFound(String scheme) {
        String url = url(board, scheme);
        RepositoryException e = assertThrows(RepositoryException.class, () -> read(url, "release", null));

        assertEquals(Kind.NO_SUCH_BRANCH, e.kind());
        assertEquals("branch \"release\" not found in " + url, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void unknownCommitIsNotFoundWithOrWithoutABranch(String scheme) {
        String url = url(board, scheme);
        String unknown = "0".repeat(40);
        for (String branch : new String[] {"main", null}) {
            RepositoryException e = assertThrows(RepositoryException.class, () -> read(url, branch, unknown));

            assertEquals(Kind.NO_SUCH_COMMIT, e.kind());
            assertEquals("commit " + unknown + " not found on any branch of " + url, e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file", "ssh"})
    void configIsAbsentUnlessAFileAtTheRoot(String scheme) throws Exception {
        for (String branch : List.of("plain", "nested", "directory")) {
            Snapshot snapshot = read(url(layouts, scheme), branch, null);

            assertEquals(Optional.empty(), snapshot.config(), branch);
        }
    }

    @Test
    void configIsReadUpTo64KiB() throws Exception {
        Snapshot largest = RepositoryReader.read(sizes.url(), "largest", null, TIMEOUT);
        assertEquals(
                RepositoryReader.MAX_CONFIG_BYTES,
                largest.config().orElseThrow().length());

        RepositoryException e = assertThrows(
                RepositoryException.class, () -> RepositoryReader.read(sizes.url(), "too-large", null, TIMEOUT));
        assertEquals(Kind.TOO_LARGE, e.kind());
        assertEquals(CONFIG_FILE + " at " + tooLarge + " is 65537 bytes, more than the 64 KiB read", e.getMessage());
    }

    @Test
    void refusedConnectionIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String url = "git://127.0.0.1:" + closedPort + "/board.git";

        assertUnreachable(url, "cannot fetch " + url + ": Connection refused");
    }

    @Test
    void unknownHostIsUnreachable() {
        String url = "git://rigfleet.invalid/board.git";

        assertUnreachable(url, "cannot fetch " + url + ": unknown host");
    }

    @ParameterizedTest
    @ValueSource(strings = {"git", "file"})
    void missingRepositoryIsUnreachable(String scheme) throws Exception {
        String url = url(board, scheme).replace("board.git", "missing.git");

        // git daemon's own words (with --informative-errors), and JGit's for a path with no repository.
        String reason = scheme.equals("git") ? "no such repository: /missing.git" : "not found";
        assertUnreachable(url, "cannot fetch " + url + ": " + reason);
    }

    @Test
    void serverThatNeverAnswersIsUnreachableWithinTheTimeout() throws Exception {
        try (RawServer silent = new RawServer(connection -> {})) {
            assertTimesOut(silent.port());
        }
    }

    @Test
    void serverThatAnswersTooSlowlyIsUnreachableWithinTheTimeout() throws Exception {
        // A first line of 255 bytes announced, then a byte every 200 ms: no wait is long, the whole is.
        try (RawServer trickling = new RawServer(connection -> {
            OutputStream out = connection.getOutputStream();
            out.write("00ff".getBytes(StandardCharsets.US_ASCII));
            while (true) {
                out.write('a');
                out.flush();
                Thread.sleep(200); // the trickle being tested, not a wait for a condition
            }
        })) {
            assertTimesOut(trickling.port());
        }
    }

    @Test
    void sshReadsTrustTheFirstHostKeyAndMeetItAgainAfter() throws Exception {
        String hostKey = withoutComment(server.sshHostKey());
        Snapshot firstRead =
                RepositoryReader.read(board.sshUrl(), "main", null, TIMEOUT, new SshAccess(ownerKey, null));
        assertEquals(hostKey, firstRead.hostKey());

        Snapshot again = RepositoryReader.read(
                board.sshUrl(), "main", null, TIMEOUT, new SshAccess(ownerKey, server.sshHostKey()));
        assertEquals(new Snapshot(mainHead, Optional.of("hardware: second\n"), hostKey), again);
    }

    @Test
    void anSshServerWithAnotherHostKeyIsRefused() throws Exception {
        String known = PublicKeyEntry.toString(ecdsaKey().getPublic());
        RepositoryException e = assertThrows(
                RepositoryException.class,
                () -> RepositoryReader.read(board.sshUrl(), "main", null, TIMEOUT, new SshAccess(ownerKey, known)));

        assertEquals(Kind.HOST_KEY_CHANGED, e.kind());
        assertEquals(
                "the ssh server of " + board.sshUrl() + " offered host key " + withoutComment(server.sshHostKey())
                        + ", not the project's " + withoutComment(known)
                        + "; if the server's key really changed, make a new project for it",
                e.getMessage());
    }

    @Test
    void aKeyTheSshServerDoesNotKnowIsRefused() throws Exception {
        RepositoryException e = assertThrows(
                RepositoryException.class,
                () -> RepositoryReader.read(board.sshUrl(), "main", null, TIMEOUT, new SshAccess(ecdsaKey(), null)));

        assertEquals(Kind.KEY_REFUSED, e.kind());
        assertEquals(
                "cannot fetch " + board.sshUrl()
                        + ": the server refused the key (No more authentication methods available)",
                e.getMessage());
    }

    @Test
    void anSshServerThatNeverAnswersIsUnreachableWithinTheTimeout() throws Exception {
        try (RawServer silent = new RawServer(connection -> {})) {
            String url = "ssh://git@127.0.0.1:" + silent.port() + "/board.git";
            Duration timeout = Duration.ofSeconds(2);
            Instant start = Instant.now();

            RepositoryException e = assertThrows(
                    RepositoryException.class,
                    () -> RepositoryReader.read(url, "main", null, timeout, new SshAccess(ownerKey, null)));

            Duration took = Duration.between(start, Instant.now());
            assertEquals(Kind.UNREACHABLE, e.kind());
            assertTrue(e.getMessage().startsWith("cannot fetch " + url + ": "), e.getMessage());
            assertTrue(took.compareTo(timeout.plusSeconds(3)) < 0, "took " + took);
        }
    }

    @Test
    void anSshUrlNeedsAKeyAndAUser() {
        assertThrows(
                IllegalArgumentException.class, () -> RepositoryReader.read(board.sshUrl(), "main", null, TIMEOUT));
        String withoutUser = board.sshUrl().replaceFirst("ssh://[^@]+@", "ssh://");
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> RepositoryReader.read(withoutUser, "main", null, TIMEOUT, new SshAccess(ownerKey, null)));
        assertEquals("\"" + withoutUser + "\" names no user (as in ssh://git@host/path)", e.getMessage());
    }

    @Test
    void malformedArgumentsAreRefusedBeforeAnyFetch() {
        // Nothing listens on port 1: a fetch would fail with a RepositoryException instead.
        String url = "git://127.0.0.1:1/board.git";
        for (String branch : List.of("a..b", "with space", "ends/", "*")) {
            assertThrows(
                    IllegalArgumentException.class, () -> RepositoryReader.read(url, branch, null, TIMEOUT), branch);
        }
        for (String commit : List.of("abc123", "g".repeat(7), "a".repeat(41), first + " ")) {
            assertThrows(
                    IllegalArgumentException.class, () -> RepositoryReader.read(url, null, commit, TIMEOUT), commit);
        }
        for (String unsupported :
                List.of("git@127.0.0.1:board.git", "/tmp/board.git", "sftp://git@127.0.0.1/board.git")) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> RepositoryReader.read(unsupported, "main", null, TIMEOUT),
                    unsupported);
        }
    }

    private static void assertUnreachable(String url, String message) {
        RepositoryException e =
                assertThrows(RepositoryException.class, () -> RepositoryReader.read(url, "main", null, TIMEOUT));

        assertEquals(Kind.UNREACHABLE, e.kind());
        assertEquals(message, e.getMessage());
    }

    private static void assertTimesOut(int port) {
        String url = "git://127.0.0.1:" + port + "/board.git";
        Duration timeout = Duration.ofSeconds(2);
        Instant start = Instant.now();

        RepositoryException e =
                assertThrows(RepositoryException.class, () -> RepositoryReader.read(url, "main", null, timeout));

        Duration took = Duration.between(start, Instant.now());
        assertEquals(Kind.UNREACHABLE, e.kind());
        assertEquals("cannot fetch " + url + ": timed out after 2s", e.getMessage());
        assertTrue(took.compareTo(timeout.plusSeconds(3)) < 0, "took " + took);
    }

    private static String url(GitServer.Repo repo, String scheme) {
        return switch (scheme) {
            case "git" -> repo.url();
            case "ssh" -> repo.sshUrl();
            default -> repo.fileUrl();
        };
    }

    /** A read with the owner's key, which only an ssh:// URL uses; its server's host key trusted on first use. */
    private static Snapshot read(String url, String branch, String commit) throws RepositoryException {
        return RepositoryReader.read(url, branch, commit, TIMEOUT, new SshAccess(ownerKey, null));
    }

    private static String hostKey(String scheme) throws IOException {
        return scheme.equals("ssh") ? withoutComment(server.sshHostKey()) : null;
    }

    private static String withoutComment(String publicKey) {
        String[] fields = publicKey.split(" ");
        return fields[0] + " " + fields[1];
    }

    /** A key of the kind the registry makes for owners. */
    private static KeyPair ecdsaKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static Set<Path> temporaryRepositories() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith(RepositoryReader.TEMPORARY_PREFIX))
                    .collect(Collectors.toSet());
        }
    }

    /** A TCP server on loopback that hands each connection to the conversation, and holds it open until closed. */
    private static final class RawServer implements AutoCloseable {

        interface Conversation {
            void with(Socket connection) throws Exception;
        }

        private final ServerSocket socket;
        private final List<Socket> connections = new CopyOnWriteArrayList<>();

        RawServer(Conversation conversation) throws IOException {
            socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            daemon(() -> {
                try {
                    while (true) {
                        Socket connection = socket.accept();
                        connections.add(connection);
                        daemon(() -> {
                            try {
                                conversation.with(connection);
                            } catch (Exception closed) {
                                // The test is over.
                            }
                        });
                    }
                } catch (IOException closed) {
                    // The test is over.
                }
            });
        }

        private static void daemon(Runnable task) {
            Thread thread = new Thread(task);
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket connection : connections) {
                connection.close();
            }
        }
    }
}

package dev.rigfleet.agent.supervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The supervisor API's key: 32 random bytes as 64 hex digits, kept in the state directory readable by the agent's
 * user only, handed to apps in their environment, and replaced by {@link #regenerate()} (the old key stops working at
 * once).
 */
public final class SupervisorKey {

    public static final String FILE = "supervisor-api-key";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private volatile String key;

    private SupervisorKey(Path file, String key) {
        this.file = file;
        this.key = key;
    }

    /** The key kept in the state directory, made on first use. */
    public static SupervisorKey load(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                return new SupervisorKey(file, Files.readString(file).trim());
            }
            SupervisorKey made = new SupervisorKey(file, null);
            made.regenerate();
            return made;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    public String current() {
        return key;
    }

    /** Whether a presented key is the current one; compared in constant time. */
    public boolean accepts(String presented) {
        return presented != null
                && MessageDigest.isEqual(
                        presented.getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces the key, on disk first, and answers the new one. */
    public synchronized String regenerate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String fresh = HexFormat.of().formatHex(bytes);
        try {
            Files.createDirectories(file.getParent());
            Path temporary = Files.createTempFile(
                    file.getParent(),
                    FILE,
                    ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temporary, fresh + "\n");
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the supervisor API key in " + file, e);
        }
        key = fresh;
        return fresh;
    }
}

package dev.rigfleet.agent.iofog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The ioFog API's Authorization key: the first line of a file only the agent's user may read, as the reference
 * agent keeps {@code /etc/iofog-agent/local-api}. Made with a random key when missing.
 */
public final class IoFogKey {

    private final String key;

    private IoFogKey(String key) {
        this.key = key;
    }

    public static IoFogKey load(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files.createFile(
                        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, HexFormat.of().formatHex(random) + "\n");
            }
            String first =
                    Files.readAllLines(file).stream().findFirst().orElse("").trim();
            if (first.isEmpty()) {
                throw new IllegalStateException(file + " holds no key on its first line");
            }
            return new IoFogKey(first);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ioFog API key from " + file, e);
        }
    }

    /** Whether the raw {@code Authorization} header (no scheme) is the key. */
    public boolean accepts(String authorization) {
        return authorization != null
                && MessageDigest.isEqual(
                        authorization.trim().getBytes(StandardCharsets.UTF_8), key.getBytes(StandardCharsets.UTF_8));
    }
}

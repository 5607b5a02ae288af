package dev.rigfleet.agent.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Who this device is, as the registry said when it enrolled: kept in {@code identity.json} in the agent's state
 * directory, readable and writable by the agent's user only, because the credential in it is the device's password.
 */
public record DeviceIdentity(String uuid, long deviceId, long appId, String name, String credential) {

    public static final String FILE = "identity.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Optional<DeviceIdentity> load(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(JSON.readValue(file.toFile(), DeviceIdentity.class));
    }

    /** Writes the identity with owner-only permissions, replacing any earlier one at once. */
    public void store(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path partial = Files.createTempFile(
                stateDir,
                FILE,
                ".partial",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        JSON.writeValue(partial.toFile(), this);
        Files.move(
                partial, stateDir.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}

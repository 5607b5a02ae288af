package dev.rigfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {

    @TempDir
    Path config;

    @Test
    void theStoredTokenIsTheUsersAloneAndTheEnvironmentWinsOverIt() throws Exception {
        Map<String, String> env = Map.of("XDG_CONFIG_HOME", config.toString());
        new Credentials("https://rigs.example.org", Optional.of("stored")).store(env);

        Path file = config.resolve("rigfleet/credentials.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertEquals(new Credentials("https://rigs.example.org", Optional.of("stored")), Credentials.current(env));
        assertEquals(
                new Credentials("http://ci.example.org", Optional.of("from-pipeline")),
                Credentials.current(Map.of(
                        "XDG_CONFIG_HOME", config.toString(),
                        "RIGFLEET_URL", "http://ci.example.org",
                        "RIGFLEET_TOKEN", "from-pipeline")));
    }

    @Test
    void nothingStoredIsTheLocalPlatformWithoutAToken() {
        assertEquals(
                new Credentials(Credentials.DEFAULT_URL, Optional.empty()),
                Credentials.current(Map.of("XDG_CONFIG_HOME", config.toString())));
    }
}

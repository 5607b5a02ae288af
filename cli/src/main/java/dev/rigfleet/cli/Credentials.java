package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * Where the platform is and the token to use there: {@code RIGFLEET_URL} and {@code RIGFLEET_TOKEN} when set (for
 * pipelines), else what {@code rigfleet login} stored in {@code ${XDG_CONFIG_HOME:-~/.config}/rigfleet/credentials.json}
 * (mode 0600, in a directory of mode 0700).
 */
record Credentials(String url, Optional<String> token) {

    static final String DEFAULT_URL = "http://127.0.0.1:8080";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What applies now, from the environment over the stored file. */
    static Credentials current(Map<String, String> env) {
        Credentials stored = stored(env).orElse(new Credentials(DEFAULT_URL, Optional.empty()));
        String url = Optional.ofNullable(env.get("RIGFLEET_URL"))
                .filter(u -> !u.isBlank())
                .orElse(stored.url());
        Optional<String> token = Optional.ofNullable(env.get("RIGFLEET_TOKEN"))
                .filter(t -> !t.isBlank())
                .or(stored::token);
        return new Credentials(url, token);
    }

    static Optional<Credentials> stored(Map<String, String> env) {
        Path file = file(env);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            var read = JSON.readTree(file.toFile());
            return Optional.of(new Credentials(
                    read.path("url").asText(DEFAULT_URL),
                    Optional.ofNullable(read.path("token").textValue())));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /** Stores these (the token readable by the user only), replacing what was stored. */
    void store(Map<String, String> env) {
        Path file = file(env);
        try {
            Files.createDirectories(
                    file.getParent(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path next = Files.createTempFile(
                    file.getParent(),
                    "credentials",
                    ".json",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            ObjectNode written = JSON.createObjectNode().put("url", url);
            token.ifPresent(value -> written.put("token", value));
            JSON.writeValue(next.toFile(), written);
            Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    static Path file(Map<String, String> env) {
        Path config = Optional.ofNullable(env.get("XDG_CONFIG_HOME"))
                .filter(dir -> !dir.isBlank())
                .map(Path::of)
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".config"));
        return config.resolve("rigfleet").resolve("credentials.json");
    }
}

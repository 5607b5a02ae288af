package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "ssh",
        mixinStandardHelpOptions = true,
        description = {
            "Logs in to a READY instance with the system's ssh.",
            "It uses the key the platform made for the instance (or yours, -i), and the instance's host keys as the"
                    + " only known hosts, checked strictly."
        })
final class Ssh extends ApiCommand {

    @Parameters(index = "0", paramLabel = "INSTANCE", description = "The instance's id.")
    String instance;

    @Parameters(index = "1..*", paramLabel = "COMMAND", description = "A command to run there instead of a shell.")
    List<String> command = new ArrayList<>();

    @Option(
            names = {"-i", "--identity"},
            paramLabel = "FILE",
            description = "Your private key, when you gave the instance your own public key.")
    Path identity;

    @Override
    int run(Api api) throws Exception {
        String id = Paths.segment(instance);
        JsonNode ready = api.get("/instance/" + id);
        if (!"READY".equals(ready.path("status").asText())) {
            throw new Api.Refused(
                    0, "instance " + instance + " is " + ready.path("status").asText() + ", not READY");
        }
        String host = ready.path("fwd").path("ipv4").asText();
        int port = ready.path("fwd").path("port").asInt();
        Path dir = Files.createTempDirectory(
                "rigfleet-ssh", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try {
            Path knownHosts = dir.resolve("known_hosts");
            List<String> lines = new ArrayList<>();
            for (JsonNode key : ready.path("hostkeys")) {
                lines.add((port == 22 ? host : "[" + host + "]:" + port) + " " + key.asText());
            }
            Files.write(knownHosts, lines);
            Path key = identity;
            if (key == null) {
                key = dir.resolve("id");
                Files.createFile(
                        key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(
                        key, api.get("/instance/" + id + "/sshkey").path("key").asText());
            }
            List<String> ssh = new ArrayList<>(List.of(
                    "ssh",
                    "-i",
                    key.toString(),
                    "-o",
                    "IdentitiesOnly=yes",
                    "-o",
                    "UserKnownHostsFile=" + knownHosts,
                    "-o",
                    "GlobalKnownHostsFile=/dev/null",
                    "-o",
                    "StrictHostKeyChecking=yes",
                    "-p",
                    Integer.toString(port),
                    ready.path("rootuser").asText("root") + "@" + host));
            ssh.addAll(command);
            out().flush();
            return new ProcessBuilder(ssh).inheritIO().start().waitFor();
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }
}

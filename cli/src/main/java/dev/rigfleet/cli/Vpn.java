package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "vpn",
        mixinStandardHelpOptions = true,
        description = "New VPN credentials for an instance made with --vpn, as a complete .ovpn (openvpn --config).")
final class Vpn extends ApiCommand {

    @Parameters(paramLabel = "INSTANCE", description = "The instance's id.")
    String instance;

    @Option(
            names = {"-o", "--output"},
            required = true,
            paramLabel = "FILE",
            description = "Where to write the .ovpn (mode 0600: it holds the client's private key).")
    Path output;

    @Override
    int run(Api api) throws Exception {
        JsonNode issued = api.post("/vpn/" + Paths.segment(instance), null);
        Path absolute = output.toAbsolutePath();
        Path next = Files.createTempFile(
                absolute.getParent(),
                ".rigfleet-vpn",
                ".part",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(next, issued.path("ovpn").asText());
        Files.move(next, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        String client = issued.path("client_id").asText();
        err().println("Client " + client + ": " + output + " (openvpn --config " + output + ")");
        err().flush();
        // The private key goes to the file only, never to standard output.
        return json ? print(((ObjectNode) issued.deepCopy()).without("ovpn"), null) : 0;
    }
}

package dev.rigfleet.cli;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import picocli.CommandLine.Command;

@Command(
        name = "logout",
        mixinStandardHelpOptions = true,
        description = "Revokes the token in use (POST /revoke) and forgets the stored one.")
final class Logout extends ApiCommand {

    @Override
    int run(Api api) throws NoSuchAlgorithmException {
        Credentials credentials = credentials();
        String token = credentials.token().orElse(null);
        if (token == null) {
            out().println("Not signed in to " + credentials.url());
            out().flush();
            return 0;
        }
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        api.post("/revoke/" + HexFormat.of().formatHex(hash), null);
        Credentials.stored(env()).ifPresent(stored -> new Credentials(stored.url(), Optional.empty()).store(env()));
        out().println("Signed out of " + credentials.url() + "; the token is revoked");
        out().flush();
        return 0;
    }
}

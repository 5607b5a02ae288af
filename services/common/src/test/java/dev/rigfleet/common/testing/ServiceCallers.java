package dev.rigfleet.common.testing;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * What the services' stand-ins check as the services do: which service an {@code Authorization} header proves, or
 * whether it holds a valid user token. (Apart
 * from {@link TestTokens}, so that tests without SmallRye JWT's parser on their class path, e2e's, can mint tokens.)
 */
public final class ServiceCallers {

    private ServiceCallers() {}

    /** Whether {@code authorization} carries a user token the services would accept (signature, expiry, audience). */
    public static boolean isValidUser(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return false;
        }
        try {
            PublicKey key = KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder()
                            .decode(Files.readString(TestKeys.publicKeyFile())
                                    .replaceAll("-----[A-Z ]+-----", "")
                                    .trim())));
            JsonWebToken token = new DefaultJWTParser().verify(authorization.substring(7), key);
            return token.getAudience() != null && token.getAudience().contains("user");
        } catch (ParseException e) {
            return false;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the test public key", e);
        }
    }

    /** The service named by a valid service token in {@code authorization}, if there is one. */
    public static Optional<String> of(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return Optional.empty();
        }
        try {
            JsonWebToken token = new DefaultJWTParser().verify(authorization.substring(7), TestKeys.serviceSecretKey());
            return token.getAudience() != null && token.getAudience().contains("service")
                    ? Optional.ofNullable(token.getSubject())
                    : Optional.empty();
        } catch (ParseException e) {
            return Optional.empty();
        }
    }
}

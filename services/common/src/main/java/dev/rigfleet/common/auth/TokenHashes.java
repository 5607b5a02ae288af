package dev.rigfleet.common.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The spec names a token by the SHA-256 of its text ({@code POST /revoke/:SHA256-of-token}). */
public final class TokenHashes {

    private TokenHashes() {}

    /** Lower-case hex SHA-256 of the token's compact serialization. */
    public static String sha256(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}

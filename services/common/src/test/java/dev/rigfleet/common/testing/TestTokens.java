package dev.rigfleet.common.testing;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;

/** Tokens as the workspaces service issues them, and the broken kinds a service must refuse. */
public final class TestTokens {

    private TestTokens() {}

    public static String user(String userId, String... scopes) {
        return claims(userId, "user", scopes).sign(TestKeys.signingKey());
    }

    public static String expired(String userId) {
        return claims(userId, "user", "user")
                .issuedAt(Instant.now().minusSeconds(7200))
                .expiresAt(Instant.now().minusSeconds(3600))
                .sign(TestKeys.signingKey());
    }

    public static String signedByStranger(String userId) {
        return claims(userId, "user", "user").sign(TestKeys.strangerKey());
    }

    public static String deviceAudience(String deviceId) {
        return claims(deviceId, "device", "device").sign(TestKeys.signingKey());
    }

    private static JwtClaimsBuilder claims(String subject, String audience, String... scopes) {
        return Jwt.issuer("rigfleet")
                .subject(subject)
                .audience(audience)
                .groups(Set.of(scopes))
                .claim("jti", UUID.randomUUID().toString())
                .expiresIn(600);
    }
}

package dev.rigfleet.common.testing;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.jwt.JsonWebToken;

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

    /** A user token whose {@code exp} passed {@code seconds} ago. */
    public static String expiredSecondsAgo(String userId, long seconds) {
        return claims(userId, "user", "user")
                .issuedAt(Instant.now().minusSeconds(600))
                .expiresAt(Instant.now().minusSeconds(seconds))
                .sign(TestKeys.signingKey());
    }

    /** A service token whose {@code exp} passed {@code seconds} ago. */
    public static String expiredService(String serviceName, long seconds) {
        return "Bearer "
                + Jwt.issuer("rigfleet")
                        .subject(serviceName)
                        .audience("service")
                        .issuedAt(Instant.now().minusSeconds(600))
                        .expiresAt(Instant.now().minusSeconds(seconds))
                        .sign(TestKeys.serviceSecretKey());
    }

    public static String signedByStranger(String userId) {
        return claims(userId, "user", "user").sign(TestKeys.strangerKey());
    }

    public static String deviceAudience(String deviceId) {
        return claims(deviceId, "device", "device").sign(TestKeys.signingKey());
    }

    /** A service token as the named service presents it on another service's internal routes. */
    public static String service(String serviceName) {
        return "Bearer "
                + Jwt.issuer("rigfleet")
                        .subject(serviceName)
                        .audience("service")
                        .expiresIn(300)
                        .sign(TestKeys.serviceSecretKey());
    }

    /** A service-audience token signed with a key nobody trusts. */
    public static String forgedService(String serviceName) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "Bearer "
                + Jwt.issuer("rigfleet")
                        .subject(serviceName)
                        .audience("service")
                        .expiresIn(300)
                        .sign(new SecretKeySpec(key, "HmacSHA256"));
    }

    /** The service a stub's caller proves with its {@code Authorization} header, if it is a valid service token. */
    public static Optional<String> serviceCaller(String authorization) {
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

    private static JwtClaimsBuilder claims(String subject, String audience, String... scopes) {
        return Jwt.issuer("rigfleet")
                .subject(subject)
                .audience(audience)
                .groups(Set.of(scopes))
                .claim("jti", UUID.randomUUID().toString())
                .expiresIn(600);
    }
}

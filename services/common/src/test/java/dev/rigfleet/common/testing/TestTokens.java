package dev.rigfleet.common.testing;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Tokens as the workspaces service issues them, and the broken kinds a service must refuse. */
public final class TestTokens {

    private TestTokens() {}

    public static String user(String userId, String... scopes) {
        return claims(userId, "user", scopes).sign(TestKeys.signingKey());
    }

    /** A user token that names its user too ({@code preferred_username}), as the workspaces service issues them. */
    public static String named(String userId, String username, String... scopes) {
        return claims(userId, "user", scopes).preferredUserName(username).sign(TestKeys.signingKey());
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

    /**
     * A service token as the named service presents it on another service's internal routes. Signed with the JDK
     * alone, so that e2e tests, which have no SmallRye JWT on their class path, can present one too.
     */
    public static String service(String serviceName) {
        long now = Instant.now().getEpochSecond();
        String header = base64Url("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
        String claims = base64Url("{\"iss\":\"rigfleet\",\"sub\":\"" + serviceName + "\",\"aud\":\"service\",\"iat\":"
                + now + ",\"exp\":" + (now + 300) + ",\"jti\":\"" + UUID.randomUUID() + "\"}");
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(TestKeys.serviceSecretKey());
            byte[] signature = mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
            return "Bearer " + header + "." + claims + "."
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
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

    private static JwtClaimsBuilder claims(String subject, String audience, String... scopes) {
        return Jwt.issuer("rigfleet")
                .subject(subject)
                .audience(audience)
                .groups(Set.of(scopes))
                .claim("jti", UUID.randomUUID().toString())
                .expiresIn(600);
    }
}

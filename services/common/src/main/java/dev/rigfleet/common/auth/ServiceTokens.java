package dev.rigfleet.common.auth;

import dev.rigfleet.common.error.ApiException;
import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Service tokens: short-lived JWTs of audience {@value #AUDIENCE} whose subject names the calling service, signed
 * with the services' shared key. A service presents its own ({@link #authorization()}) on every call to another
 * service's {@code /internal} route, and verifies the caller's there ({@link #caller(String)}).
 */
@ApplicationScoped
public class ServiceTokens {

    public static final String AUDIENCE = "service";
    private static final String ISSUER = "rigfleet";
    private static final String BEARER = "Bearer ";
    private static final int MIN_KEY_BYTES = 32;

    private final ServiceIdentityConfig config;
    private final JWTParser parser;
    private final SecretKey key;
    private final JWTAuthContextInfo verification;
    private volatile Issued current;

    private record Issued(String authorization, Instant renewAfter) {}

    public ServiceTokens(
            ServiceIdentityConfig config,
            JWTParser parser,
            @ConfigProperty(name = "mp.jwt.verify.clock.skew") int clockSkewSeconds) {
        this.config = config;
        this.parser = parser;
        byte[] bytes = Base64.getDecoder().decode(config.key().trim());
        if (bytes.length < MIN_KEY_BYTES) {
            throw new IllegalStateException(
                    "rigfleet.service-identity.key must be base64 of at least " + MIN_KEY_BYTES + " bytes");
        }
        this.key = new SecretKeySpec(bytes, "HmacSHA256");
        this.verification = new JWTAuthContextInfo(key, ISSUER);
        verification.setExpectedAudience(Set.of(AUDIENCE));
        verification.setSignatureAlgorithm(Set.of(SignatureAlgorithm.HS256));
        verification.setClockSkew(clockSkewSeconds);
    }

    /** The {@code Authorization} header value this service presents; a new token once the last is half-way old. */
    public String authorization() {
        Issued issued = current;
        Instant now = Instant.now();
        if (issued == null || now.isAfter(issued.renewAfter())) {
            Duration lifetime = config.tokenLifetime();
            String token = Jwt.issuer(ISSUER)
                    .subject(config.name())
                    .audience(AUDIENCE)
                    .claim("jti", UUID.randomUUID().toString())
                    .issuedAt(now)
                    .expiresAt(now.plus(lifetime))
                    .sign(key);
            issued = new Issued(BEARER + token, now.plus(lifetime.dividedBy(2)));
            current = issued;
        }
        return issued.authorization();
    }

    /** The service an {@code Authorization} header proves; 401 for anything but a valid service token. */
    public String caller(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER)) {
            throw ApiException.unauthorized("this route needs a service token");
        }
        try {
            JsonWebToken token =
                    parser.parse(authorization.substring(BEARER.length()).trim(), verification);
            if (token.getSubject() == null || token.getSubject().isBlank()) {
                throw ApiException.unauthorized("the service token names no service");
            }
            return token.getSubject();
        } catch (ParseException e) {
            throw ApiException.unauthorized("this route needs a valid service token");
        }
    }
}

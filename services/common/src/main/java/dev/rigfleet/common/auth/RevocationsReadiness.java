package dev.rigfleet.common.auth;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready until the revocation list is loaded: until then every token is refused with 503. */
@Readiness
@ApplicationScoped
public class RevocationsReadiness implements HealthCheck {

    private final RevokedTokens revoked;

    public RevocationsReadiness(RevokedTokens revoked) {
        this.revoked = revoked;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("token revocations")
                .status(revoked.isLoaded())
                .withData("revoked", revoked.size())
                .build();
    }
}

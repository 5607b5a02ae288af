package dev.rigfleet.workspaces.rest;

import dev.rigfleet.workspaces.model.Requester;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;

/**
 * Who is asking. Routes that answer anonymous callers too resolve the token only here, so that a token presented and
 * wrong is refused rather than ignored.
 */
@RequestScoped
public class Requesters {

    private final CurrentIdentityAssociation identities;

    public Requesters(CurrentIdentityAssociation identities) {
        this.identities = identities;
    }

    /** The requester, or empty for an anonymous request; a wrong token fails. */
    public Uni<Optional<Requester>> maybe() {
        return identities.getDeferredIdentity().map(identity -> Optional.ofNullable(Requester.ofOrNull(identity)));
    }

    /** The requester; an anonymous request fails as unauthorized. */
    public Uni<Requester> required() {
        return maybe().map(found -> found.orElseThrow(UnauthorizedException::new));
    }
}

package dev.rigfleet.common.auth;

import io.smallrye.mutiny.Uni;

/** Where a service loads the whole revocation list from: the owner's table, or the owner over HTTP. */
public interface RevocationSource {

    Uni<RevocationList> load();
}

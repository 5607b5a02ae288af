package dev.rigfleet.workspaces.rest;

import dev.rigfleet.common.error.ApiException;
import java.util.UUID;

/** Ids in paths: canonical lower-case UUIDs only, as the spec's clients send and expect them. */
public final class Ids {

    private Ids() {}

    /** The id, or a 404 with {@code message}: an id that is not canonical names nothing. */
    public static UUID canonical(String raw, String message) {
        try {
            UUID id = UUID.fromString(raw);
            if (id.toString().equals(raw)) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // falls through to the 404
        }
        throw ApiException.notFound(message);
    }
}

package dev.rigfleet.instances.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.instances.service.NewInstance;
import java.io.IOException;
import java.util.UUID;

/** What the instance routes read alike: ids in the canonical UUID form, bodies that may be absent. */
final class Requests {

    private Requests() {}

    /** The body as JSON; null when there is none or it is blank (the clients send no body, or an empty one). */
    static JsonNode optionalJson(ObjectMapper json, String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw NewInstance.refused("the request body is not valid JSON");
        }
    }

    /** The instance id of a path; anything but a canonical UUID names no instance (404). */
    static UUID instanceId(String raw) {
        UUID id = canonicalUuid(raw);
        if (id == null) {
            throw ApiException.resultMessage(404, "not_found", "instance not found");
        }
        return id;
    }

    static UUID canonicalUuid(String raw) {
        try {
            UUID id = UUID.fromString(raw);
            return id.toString().equals(raw) ? id : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}

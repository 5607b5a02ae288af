package dev.rigfleet.instances.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.json.StoredText;
import java.util.Iterator;
import java.util.Set;

/**
 * The options of {@code POST /new}, read as the reference server reads them: each field optional, and a field of the
 * wrong type refused with {@code value for option `X` has wrong type}.
 */
public record NewInstance(
        String sshkey,
        boolean vpn,
        boolean reserve,
        String eurl,
        Long expireD,
        boolean keepalive,
        int priority,
        Long queueTimeout) {

    private static final Set<String> KNOWN =
            Set.of("sshkey", "vpn", "reserve", "eurl", "expire_d", "keepalive", "priority", "queue_timeout");

    public static NewInstance of(JsonNode body) {
        if (body == null || body.isNull() || body.isMissingNode()) {
            return new NewInstance(null, false, false, null, null, false, 0, null);
        }
        if (!body.isObject()) {
            throw refused("the request body must be a JSON object");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KNOWN.contains(name)) {
                throw refused("unknown option `" + name + "`");
            }
        }
        Long expireD = whole(body, "expire_d");
        if (expireD != null && expireD < 1) {
            throw refused("value for option `expire_d` must be positive");
        }
        String eurl = text(body, "eurl");
        if (eurl != null && eurl.isBlank()) {
            throw refused("value for option `eurl` must be nonempty");
        }
        Long queueTimeout = whole(body, "queue_timeout");
        if (queueTimeout != null && queueTimeout < 1) {
            throw refused("value for option `queue_timeout` must be positive");
        }
        Long priority = whole(body, "priority");
        if (priority != null && priority != priority.intValue()) {
            throw wrongType("priority");
        }
        return new NewInstance(
                text(body, "sshkey"),
                bool(body, "vpn"),
                bool(body, "reserve"),
                eurl == null ? null : eurl.strip(),
                expireD,
                bool(body, "keepalive"),
                priority == null ? 0 : priority.intValue(),
                queueTimeout);
    }

    /** A refusal of {@code POST /new}: its text in {@code result_message} too, which the Python client reads first. */
    public static ApiException refused(String text) {
        return ApiException.resultMessage(400, "bad_request", text);
    }

    private static String text(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw wrongType(name);
        }
        // Read as a tree, the text has not passed the strict reader's check: the same rule, here.
        String problem = StoredText.problem(value.asText());
        if (problem != null) {
            throw refused("value for option `" + name + "` " + problem);
        }
        return value.asText();
    }

    private static boolean bool(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return false;
        }
        if (!value.isBoolean()) {
            throw wrongType(name);
        }
        return value.asBoolean();
    }

    private static Long whole(JsonNode body, String name) {
        JsonNode value = body.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw wrongType(name);
        }
        return value.asLong();
    }

    private static ApiException wrongType(String name) {
        return refused("value for option `" + name + "` has wrong type");
    }
}

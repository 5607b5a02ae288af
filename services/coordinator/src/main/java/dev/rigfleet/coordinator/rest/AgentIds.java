package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.error.ApiException;
import java.util.regex.Pattern;

/** Agent ids in routes: the device's uuid, dashed as the spec's examples show, or as its 32 hex digits. */
final class AgentIds {

    private static final Pattern DASHED =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{32}");

    private AgentIds() {}

    /** The device uuid (32 lower-case hex digits) an id names; 404 for anything that is not an agent id. */
    static String deviceUuid(String id) {
        if (DASHED.matcher(id).matches()) {
            return id.replace("-", "").toLowerCase();
        }
        if (HEX.matcher(id).matches()) {
            return id.toLowerCase();
        }
        throw ApiException.notFound("no agent " + id);
    }

    static String dashed(String hex) {
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20);
    }
}

package dev.rigfleet.coordinator.rest;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.proto.agent.PtyTarget;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The query of {@code GET /{id}/pty}: {@code reconnect}, {@code width}, {@code height} and {@code command}. */
record PtyRequest(String reconnect, int width, int height, String command) {

    static final int DEFAULT_WIDTH = 80;
    static final int DEFAULT_HEIGHT = 24;
    static final int MAX_SIZE = 10_000;
    // Within the 4 KiB request line HTTP servers accept, with room for the rest of the query.
    static final int MAX_COMMAND = 2048;

    /** Parses a raw query string; a bad parameter is a 400 that names it. */
    static PtyRequest parse(String rawQuery) {
        Map<String, List<String>> query = new QueryStringDecoder(rawQuery == null ? "" : rawQuery, false).parameters();
        String reconnect = first(query, "reconnect");
        if (reconnect == null || reconnect.isEmpty()) {
            // A session without a reconnect id can still be reached while it lives, but nobody knows its id.
            reconnect = UUID.randomUUID().toString();
        } else {
            try {
                reconnect = UUID.fromString(reconnect).toString();
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("reconnect must be a UUID");
            }
        }
        String command = first(query, "command");
        if (command != null && command.length() > MAX_COMMAND) {
            throw ApiException.badRequest("command must be at most " + MAX_COMMAND + " characters");
        }
        return new PtyRequest(
                reconnect,
                size(query, "width", DEFAULT_WIDTH),
                size(query, "height", DEFAULT_HEIGHT),
                command == null ? "" : command);
    }

    PtyTarget.Builder target() {
        return PtyTarget.newBuilder()
                .setReconnect(reconnect)
                .setWidth(width)
                .setHeight(height)
                .setCommand(command);
    }

    private static int size(Map<String, List<String>> query, String name, int otherwise) {
        String value = first(query, name);
        if (value == null || value.isEmpty()) {
            return otherwise;
        }
        try {
            int size = Integer.parseInt(value);
            if (size >= 1 && size <= MAX_SIZE) {
                return size;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest(name + " must be a whole number from 1 to " + MAX_SIZE);
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}

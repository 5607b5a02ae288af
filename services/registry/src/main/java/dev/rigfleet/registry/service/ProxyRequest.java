package dev.rigfleet.registry.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.error.ApiException;
import java.util.Locale;
import java.util.Set;

/**
 * The body of {@code POST /supervisor/<url>}, read as the reference proxy reads it: filters {@code uuid},
 * {@code deviceId} and {@code appId} (the ids as numbers or as strings of digits), {@code method} in any case, and
 * {@code data}, the body the device gets.
 */
public record ProxyRequest(String uuid, Long deviceId, Long appId, String method, JsonNode data) {

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE");

    public static ProxyRequest parse(ObjectMapper json, String body) {
        JsonNode root;
        try {
            // The older spec's update example ends its body with a stray quote; like the reference's JSON
            // reader, the proxy reads the first JSON value and ignores what trails it.
            root = body == null || body.isBlank() ? json.createObjectNode() : json.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body must be a JSON object: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object");
        }
        ProxyRequest request = new ProxyRequest(
                uuid(root.get("uuid")),
                id(root.get("deviceId"), "Device ID must be a valid integer if specified"),
                id(root.get("appId"), "App ID must be a valid integer if specified"),
                method(root.get("method")),
                data(root.get("data")));
        if (request.uuid == null && request.deviceId == null && request.appId == null) {
            throw ApiException.badRequest("At least one filter must be specified");
        }
        return request;
    }

    private static String uuid(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isEmpty()) {
            throw ApiException.badRequest("uuid must be a non-empty string if specified");
        }
        return value.asText();
    }

    private static Long id(JsonNode value, String rule) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            return value.asLong();
        }
        if (value.isTextual() && value.asText().trim().matches("-?\\d{1,18}")) {
            return Long.parseLong(value.asText().trim());
        }
        throw ApiException.badRequest(rule);
    }

    private static String method(JsonNode value) {
        if (value == null || value.isNull()) {
            return "POST";
        }
        String method = value.isTextual() ? value.asText().toUpperCase(Locale.ROOT) : "";
        if (!METHODS.contains(method)) {
            throw ApiException.badRequest("method must be one of GET, HEAD, POST, PUT, PATCH, DELETE");
        }
        return method;
    }

    private static JsonNode data(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isObject()) {
            throw ApiException.badRequest("data must be a JSON object if specified");
        }
        return value;
    }
}

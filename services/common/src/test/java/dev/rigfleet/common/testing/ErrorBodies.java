package dev.rigfleet.common.testing;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

/** Assertions on the common JSON error body that every service answers with (see the common error mappers). */
public final class ErrorBodies {

    private ErrorBodies() {}

    /** A 400 whose error is {@code invalid_json}: the request body was not JSON or not of the expected shape. */
    public static ValidatableResponse assertInvalidJson(ValidatableResponse response) {
        return response.statusCode(400).body("error", equalTo("invalid_json"));
    }

    /** {@link #assertInvalidJson(ValidatableResponse)}, as the whole JSON error body with {@code message}. */
    public static ValidatableResponse assertInvalidJson(ValidatableResponse response, String message) {
        return assertInvalidJson(response)
                .contentType(ContentType.JSON)
                .body("error_message", equalTo(message))
                .body("status", equalTo(400))
                .body("request_id", notNullValue());
    }
}

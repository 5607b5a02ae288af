package dev.rigfleet.common.error;

/**
 * A failure with a status, a stable code and a message meant for the caller. Services throw it (or fail a
 * {@code Uni} with it) and the common mappers turn it into an {@link ErrorBody}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final boolean resultMessage;

    public ApiException(int status, String code, String message) {
        this(status, code, message, false);
    }

    private ApiException(int status, String code, String message, boolean resultMessage) {
        // No stack trace: this is an answer to a caller, not a bug report.
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.resultMessage = resultMessage;
    }

    /**
     * An error whose text the rerobots clients read from {@code error} (as the reference server sends it, e.g. {@code
     * {"error": "no matching wdeployment found"}}): the text is the code too.
     */
    public static ApiException referenceError(int status, String text) {
        return new ApiException(status, text, text, false);
    }

    /** An error whose text the rerobots clients read from {@code result_message} first, as the reference sends it. */
    public static ApiException resultMessage(int status, String code, String text) {
        return new ApiException(status, code, text, true);
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message);
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** Whether the message goes in {@code result_message} too. */
    public boolean hasResultMessage() {
        return resultMessage;
    }
}

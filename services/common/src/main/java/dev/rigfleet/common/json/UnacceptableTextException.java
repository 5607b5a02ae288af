package dev.rigfleet.common.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

/**
 * A JSON string (or object key) that {@link StoredText} refuses. A {@link MismatchedInputException}, so that Jackson
 * records the path to the field on the way out and the common mappers answer 400 naming it.
 */
public class UnacceptableTextException extends MismatchedInputException {

    private final String reason;
    private final boolean inKey;

    UnacceptableTextException(JsonParser parser, String reason, boolean inKey) {
        super(parser, (inKey ? "an object key " : "a string ") + reason, String.class);
        this.reason = reason;
        this.inKey = inKey;
    }

    /** What is wrong with the text, e.g. "contains U+0000 (NUL), which is not accepted". */
    public String reason() {
        return reason;
    }

    /** Whether the text was an object's key rather than a value. */
    public boolean inKey() {
        return inKey;
    }
}

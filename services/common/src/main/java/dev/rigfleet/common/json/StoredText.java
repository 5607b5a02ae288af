package dev.rigfleet.common.json;

/**
 * The one rule for text that the services take from callers: it must be storable as PostgreSQL text and encodable as
 * UTF-8. PostgreSQL refuses U+0000 in any text value, and a lone UTF-16 surrogate has no UTF-8 encoding; both would
 * otherwise fail deep inside a query or a hash as a 500.
 */
public final class StoredText {

    private StoredText() {}

    /** Why the text cannot be taken ("contains U+0000 (NUL)"), or null when it can. */
    public static String problem(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                return "contains U+0000 (NUL), which is not accepted";
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "contains an unpaired UTF-16 surrogate (U+"
                        + Integer.toHexString(c).toUpperCase() + "), which is not accepted";
            }
        }
        return null;
    }
}

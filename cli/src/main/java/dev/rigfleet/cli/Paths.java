package dev.rigfleet.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** What the user types goes into a path as one segment, never as more path. */
final class Paths {

    private Paths() {}

    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

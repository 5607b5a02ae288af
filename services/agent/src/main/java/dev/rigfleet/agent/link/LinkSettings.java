package dev.rigfleet.agent.link;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where and how an agent dials home.
 *
 * @param servers coordinator base URLs, tried in turn ({@code wss://}; {@code ws://} only to loopback or when
 *     {@code insecure})
 * @param caFile PEM certificates to trust for {@code wss://} instead of the system's
 * @param insecure allows plain {@code ws://} to other hosts than loopback
 * @param maxBackoff the longest pause between attempts
 * @param reportBuffer state reports kept while offline; past it the oldest are dropped and counted
 */
public record LinkSettings(
        List<URI> servers, Optional<Path> caFile, boolean insecure, Duration maxBackoff, int reportBuffer) {

    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(30);
    public static final int DEFAULT_REPORT_BUFFER = 1000;

    public LinkSettings {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("give at least one server URL");
        }
        servers.forEach(server -> requireSafe(server, insecure));
        servers = List.copyOf(servers);
    }

    /**
     * Refuses a URL that would carry the device's secrets in the clear: TLS ({@code wss://}, {@code https://}), or
     * plain only to loopback unless {@code insecure}.
     */
    public static void requireSafe(URI server, boolean insecure) {
        boolean tls = "wss".equals(server.getScheme()) || "https".equals(server.getScheme());
        boolean plain = "ws".equals(server.getScheme()) || "http".equals(server.getScheme());
        if (!tls && !plain) {
            throw new IllegalArgumentException(
                    server + ": use wss:// or https:// (plain ws:// or http:// to loopback)");
        }
        if (plain && !insecure && !isLoopback(server.getHost())) {
            throw new IllegalArgumentException(
                    server + ": plain ws:// and http:// only to loopback; use TLS, or allow it explicitly (insecure)");
        }
    }

    public static LinkSettings of(List<URI> servers) {
        return new LinkSettings(servers, Optional.empty(), false, DEFAULT_MAX_BACKOFF, DEFAULT_REPORT_BUFFER);
    }

    private static boolean isLoopback(String host) {
        return host != null
                && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
    }
}

package dev.rigfleet.agent.link;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LinkSettingsTest {

    @Test
    void plainWebSocketsOnlyToLoopbackUnlessAllowed() {
        assertDoesNotThrow(() -> LinkSettings.of(List.of(URI.create("wss://rigs.example.org"))));
        assertDoesNotThrow(
                () -> LinkSettings.of(List.of(URI.create("ws://127.0.0.1:8084"), URI.create("ws://localhost:8084"))));
        IllegalArgumentException refused = assertThrows(
                IllegalArgumentException.class, () -> LinkSettings.of(List.of(URI.create("ws://rigs.example.org"))));
        assertTrue(refused.getMessage().contains("plain ws:// and http:// only to loopback"));
        assertDoesNotThrow(() -> new LinkSettings(
                List.of(URI.create("ws://rigs.example.org")), Optional.empty(), true, Duration.ofSeconds(30), 10));
    }

    @Test
    void serversAreNeededAndMustBeWebSocketUrls() {
        assertThrows(IllegalArgumentException.class, () -> LinkSettings.of(List.of()));
        assertThrows(IllegalArgumentException.class, () -> LinkSettings.of(List.of(URI.create("ftp://127.0.0.1"))));
    }
}

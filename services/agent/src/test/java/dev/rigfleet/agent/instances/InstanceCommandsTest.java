package dev.rigfleet.agent.instances;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.agent.instances.InstanceCommands.Answer;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The platform's start command refuses a malformed body with a 400 that says what it wants, and starts nothing. */
class InstanceCommandsTest {

    private static final Vertx VERTX = Vertx.vertx();
    private static final String KEY =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0WcBJW3vC9cN3qz9mC3mPK6Xw2N0GqL6m1VdGX7E0";

    private final LocalInstanceRuntime runtime = new LocalInstanceRuntime(
            System.getProperty("user.name"),
            "root".equals(System.getProperty("user.name")) ? "nobody" : System.getProperty("user.name"),
            "/");
    private final InstanceCommands commands = new InstanceCommands(VERTX, runtime);

    @AfterAll
    static void closeVertx() {
        VERTX.close();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"id\": \"i-1\", \"authorized_keys\": [\"" + KEY + "\"], \"vpn\": true}",
                "{\"id\": \"i-1\", \"authorized_keys\": [\"" + KEY + "\"], \"vpn\": \"client\"}",
                "{\"id\": \"i-1\", \"authorized_keys\": [\"" + KEY + "\"], \"vpn\": {}}",
                "{\"id\": \"i-1\", \"authorized_keys\": [\"" + KEY + "\"], \"vpn\": {\"ovpn\": 5}}",
                "{\"id\": \"i-1\", \"authorized_keys\": [\"" + KEY + "\"], \"vpn\": null}"
            })
    void aMalformedVpnIsRefusedAndNothingStarts(String body) throws Exception {
        Answer answer = start(body);
        assertEquals(400, answer.status());
        assertEquals(
                Map.of("error_message", "vpn, when given, is {ovpn: the instance's OpenVPN client configuration}"),
                answer.body());
        assertTrue(runtime.list().isEmpty());
    }

    @Test
    void aBodyWithoutIdOrKeysOrNotJsonIsRefused() throws Exception {
        for (String body : List.of("{\"authorized_keys\": [\"" + KEY + "\"]}", "{\"id\": \"i-1\"}", "[]")) {
            assertEquals(400, start(body).status(), body);
        }
        assertEquals(
                Map.of("error_message", "the body is not JSON"),
                start("{\"id\": ").body());
        assertTrue(runtime.list().isEmpty());
    }

    private Answer start(String body) throws Exception {
        return commands.start(body.getBytes(StandardCharsets.UTF_8))
                .toCompletionStage()
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
    }
}

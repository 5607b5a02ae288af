package dev.rigfleet.e2e;

import com.google.protobuf.ByteString;
import dev.rigfleet.agent.link.AgentConnection;
import dev.rigfleet.agent.link.LinkSettings;
import dev.rigfleet.proto.agent.CommandRequest;
import dev.rigfleet.proto.agent.CommandResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Devices that keep their link home with the real agent's connection code and answer every command "ok". */
final class SilentAgents {

    private SilentAgents() {}

    /** Connects the enrolled device; the {@code i}-th prefers coordinator A when even, B when odd. */
    static AgentConnection connect(Vertx vertx, Stack stack, String uuid, String credential, int i) {
        List<URI> servers = i % 2 == 0
                ? List.of(URI.create(stack.coordinatorA.url()), URI.create(stack.coordinatorB.url()))
                : List.of(URI.create(stack.coordinatorB.url()), URI.create(stack.coordinatorA.url()));
        AgentConnection connection = new AgentConnection(
                vertx,
                uuid,
                credential,
                "e2e",
                new LinkSettings(servers, Optional.empty(), false, Duration.ofSeconds(2), 100),
                new AgentConnection.Handler() {
                    @Override
                    public void targetState(long version, String json) {}

                    @Override
                    public Future<CommandResponse> command(CommandRequest request) {
                        return Future.succeededFuture(CommandResponse.newBuilder()
                                .setStatus(200)
                                .setBody(ByteString.copyFromUtf8("ok"))
                                .build());
                    }
                });
        connection.start();
        return connection;
    }
}

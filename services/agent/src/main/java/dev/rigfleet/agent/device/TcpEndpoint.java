package dev.rigfleet.agent.device;

import dev.rigfleet.agent.link.DeviceEndpoint;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

/** A stream to a TCP port on the device's loopback interface or an instance's SSH server: a tunnel's device end. */
public final class TcpEndpoint implements DeviceEndpoint {

    private final NetSocket socket;
    private NetSocket splice;

    private TcpEndpoint(NetSocket socket) {
        this.socket = socket;
    }

    public static Future<DeviceEndpoint> connect(NetClient client, String host, int port, Output output) {
        return client.connect(port, host).map(socket -> {
            socket.handler(output::data);
            socket.closeHandler(closed -> output.closed("port " + port + " closed the connection"));
            return new TcpEndpoint(socket);
        });
    }

    @Override
    public void write(Buffer bytes, Runnable written) {
        socket.write(bytes).onSuccess(done -> written.run());
    }

    @Override
    public void pause() {
        socket.pause();
    }

    @Override
    public void resume() {
        socket.resume();
    }

    @Override
    public boolean spliceTo(NetSocket splice) {
        // Vert.x's pipes are safe between sockets of one event loop only (across two they can deadlock): both
        // connections are made from the link's one context (AgentConnection), so they share its loop.
        this.splice = splice;
        socket.pipe().endOnComplete(true).to(splice);
        splice.pipe().endOnComplete(true).to(socket);
        splice.closeHandler(closed -> socket.close());
        return true;
    }

    @Override
    public void close() {
        socket.close();
        if (splice != null) {
            splice.close();
        }
    }
}

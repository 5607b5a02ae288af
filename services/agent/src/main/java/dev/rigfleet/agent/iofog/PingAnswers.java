package dev.rigfleet.agent.iofog;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.impl.WebSocketInternal;

/**
 * The ioFog sockets' keep-alive, as the reference agent answers it: a PING whose payload is the single byte {@code
 * 0x09} gets exactly one PONG of {@code 0x0A}. Vert.x answers every ping itself by echoing it, before any handler of
 * the socket sees it, so this sits in the connection's Netty pipeline ahead of Vert.x and takes those pings away;
 * other pings go on to Vert.x, which echoes them as RFC 6455 asks.
 */
final class PingAnswers extends ChannelInboundHandlerAdapter {

    static final byte OP_PING = 0x09;
    static final byte OP_PONG = 0x0A;

    private PingAnswers() {}

    static void install(ServerWebSocket socket) {
        ChannelHandlerContext vertx = ((WebSocketInternal) socket).channelHandlerContext();
        vertx.pipeline().addBefore(vertx.name(), "iofog-ping", new PingAnswers());
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object message) {
        if (message instanceof PingWebSocketFrame ping && isNine(ping.content())) {
            ping.release();
            context.writeAndFlush(new PongWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {OP_PONG})));
            return;
        }
        context.fireChannelRead(message);
    }

    private static boolean isNine(ByteBuf payload) {
        return payload.readableBytes() == 1 && payload.getByte(payload.readerIndex()) == OP_PING;
    }
}

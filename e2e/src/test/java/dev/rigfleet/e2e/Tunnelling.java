package dev.rigfleet.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/** The two ends of tunnel tests: an echo server standing in for a device's service, and a checked byte pattern. */
final class Tunnelling {

    private Tunnelling() {}

    /** A TCP echo server on loopback, a thread per connection: what it reads it writes back. */
    static ServerSocket echoServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket connection = server.accept();
                    Thread echo = new Thread(() -> {
                        try (connection) {
                            connection.getInputStream().transferTo(connection.getOutputStream());
                        } catch (IOException e) {
                            // the peer went away
                        }
                    });
                    echo.setDaemon(true);
                    echo.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    /** The byte at a position: depends on the whole position, so lost, repeated or reordered bytes show. */
    static byte at(long position) {
        long mixed = position * 0x9E3779B97F4A7C15L;
        return (byte) (mixed >>> 56 ^ position);
    }

    /** Writes {@code length} pattern bytes, counting what went out. */
    static void write(OutputStream out, long length, AtomicLong written) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        long position = 0;
        while (position < length) {
            int n = (int) Math.min(chunk.length, length - position);
            for (int i = 0; i < n; i++) {
                chunk[i] = at(position + i);
            }
            out.write(chunk, 0, n);
            position += n;
            written.set(position);
        }
        out.flush();
    }

    /** Reads {@code length} bytes and checks each against the pattern; answers the first difference, or -1. */
    static long readAndCheck(InputStream in, long length) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        long position = 0;
        while (position < length) {
            int n = in.read(chunk, 0, (int) Math.min(chunk.length, length - position));
            if (n < 0) {
                throw new IOException("the stream ended after " + position + " of " + length + " bytes");
            }
            for (int i = 0; i < n; i++) {
                if (chunk[i] != at(position + i)) {
                    return position + i;
                }
            }
            position += n;
        }
        return -1;
    }

    /** Sends {@code length} bytes through the socket while reading them back; answers the first wrong byte or -1. */
    static long roundTrip(Socket socket, long length) throws Exception {
        AtomicLong written = new AtomicLong();
        Thread writer = new Thread(() -> {
            try {
                write(socket.getOutputStream(), length, written);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.setDaemon(true);
        writer.start();
        long wrong = readAndCheck(socket.getInputStream(), length);
        writer.join();
        return wrong;
    }
}

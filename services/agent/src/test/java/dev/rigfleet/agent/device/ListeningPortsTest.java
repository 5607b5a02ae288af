package dev.rigfleet.agent.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ListeningPortsTest {

    @Test
    void onlyListeningRowsCountAndPortsAreHex() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:075B 00000000:0000 0A 00000000:00000000 00:00000000 00000000   105        0 7280 1",
                "   1: 0100007F:BD86 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 9911 1");

        assertEquals(Map.of(1883, "7280"), ListeningPorts.listening(table));
    }

    @Test
    void aSocketThisProcessListensOnIsFoundAndNamed() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<ListeningPorts.Port> ports = new ListeningPorts(Path.of("/proc")).list();

            ListeningPorts.Port mine = ports.stream()
                    .filter(port -> port.port() == socket.getLocalPort())
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("port " + socket.getLocalPort() + " not in " + ports));
            assertEquals("tcp", mine.network());
            assertTrue(!mine.processName().isEmpty(), "the socket is named after its process");
            assertEquals(ProcessHandle.current().pid(), mine.pid());
        }
    }
}

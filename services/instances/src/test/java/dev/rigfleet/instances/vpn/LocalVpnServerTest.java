package dev.rigfleet.instances.vpn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rigfleet.common.net.Ipv4Block;
import dev.rigfleet.common.testing.HostNetwork;
import dev.rigfleet.common.testing.OpenVpnClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated server and client configurations with the real programs: an OpenVPN server as the service runs it,
 * and OpenVPN clients in network namespaces this test makes (one a user's machine, one standing for the instance),
 * each joined to the machine by a veth pair with private addresses that the test removes again.
 */
class LocalVpnServerTest {

    private static final Duration CONNECT = Duration.ofSeconds(30);
    private static final Duration YEAR = Duration.ofDays(365);

    @TempDir
    Path dir;

    private final List<AutoCloseable> cleanUp = new ArrayList<>();
    private final int octet = 1 + new SecureRandom().nextInt(200);

    @AfterEach
    void removeWhatTheTestMade() throws Exception {
        for (int last = cleanUp.size() - 1; last >= 0; last--) {
            cleanUp.get(last).close();
        }
    }

    @Test
    void aClientJoinsReachesTheServerAndTheInstanceAndIsDroppedAndRefusedOnceRevoked() throws Exception {
        String hostAddresses = HostNetwork.addresses();
        String hostRules = HostNetwork.firewall();
        String instanceId = UUID.randomUUID().toString();
        Network network =
                new Network(Ipv4Block.parse("10.216." + octet + ".0/24").orElseThrow());
        VpnPki pki = VpnPki.create(instanceId, YEAR);
        String staticKey = OpenVpnFiles.staticKey();
        int port = freePort();

        LocalVpnServer server = LocalVpnServer.start(
                dir.resolve("server"),
                instanceId,
                network,
                port,
                pki.caCertificate(),
                pki.server(OpenVpnFiles.serverName(instanceId), YEAR),
                staticKey,
                pki.crl(List.of(), 1, Instant.now().plus(YEAR)));
        cleanUp.add(server);
        assertTrue(HostNetwork.run("ip", "netns", "list").contains(server.namespace()));
        assertTrue(
                HostNetwork.run("ip", "-n", server.namespace(), "-o", "addr").contains(network.server() + "/24"),
                "the server's tunnel address is in its own namespace");
        assertFalse(HostNetwork.addresses().contains(network.server()), "and not on the machine");

        VpnPki.Issued alice = pki.client("alice", YEAR);
        OpenVpnClient user = connect("u", instanceId, port, pki, alice, staticKey);
        OpenVpnClient instance =
                connect("i", instanceId, port, pki, pki.client(OpenVpnFiles.INSTANCE_CLIENT, YEAR), staticKey);
        await().atMost(CONNECT).until(() -> user.connected() && instance.connected());

        // The tunnel carries packets a moment after both ends say they are up.
        // The tunnel carries packets a moment after both ends say they are up.
        await().atMost(CONNECT).until(() -> user.ping(network.server()) == 0 || !server.alive());
        assertEquals(
                0,
                user.ping(network.server()),
                () -> "the server's tunnel address answers: " + diagnosis(server, user));
        assertEquals(0, user.ping(network.instance()), "the instance has its fixed address, and the user reaches it");

        // Revoked: the live session is dropped at once, and the next handshake is refused.
        server.replaceCrl(pki.crl(
                List.of(new VpnPki.Revoked(alice.serial(), Instant.now())),
                2,
                Instant.now().plus(YEAR)));
        assertTrue(server.drop("alice"), "the server had a session of alice's to drop");
        await().atMost(CONNECT)
                .until(() ->
                        serverLog().contains("CRL CHECK FAILED") || serverLog().contains("revoked"));
        assertTrue(user.ping(network.server()) != 0, "alice's tunnel is gone");
        assertEquals(0, instance.ping(network.server()), "the others stay connected");

        server.close();
        assertFalse(HostNetwork.run("ip", "netns", "list").contains(server.namespace()), "its namespace is removed");
        for (int last = cleanUp.size() - 1; last >= 0; last--) {
            cleanUp.get(last).close();
        }
        cleanUp.clear();
        // A namespace's veth pair goes a moment after the namespace itself.
        await().atMost(Duration.ofSeconds(10))
                .until(() -> HostNetwork.addresses().equals(hostAddresses));
        assertEquals(hostRules, HostNetwork.firewall(), "and its firewall");
    }

    private OpenVpnClient connect(
            String tag, String instanceId, int port, VpnPki pki, VpnPki.Issued credentials, String key)
            throws Exception {
        String hostSide = "10.217." + octet + "." + (tag.equals("u") ? 1 : 5);
        OpenVpnClient client = OpenVpnClient.start(
                "rfvt" + tag + HexFormat.of().toHexDigits((byte) octet),
                hostSide,
                OpenVpnFiles.client(instanceId, hostSide, port, pki.caCertificate(), credentials, key),
                dir);
        cleanUp.add(client);
        return client;
    }

    private String diagnosis(LocalVpnServer server, OpenVpnClient client) {
        try {
            return "\nserver:\n" + serverLog() + "\nits namespace:\n"
                    + HostNetwork.run("ip", "-n", server.namespace(), "addr") + "\nclient:\n" + client.log();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String serverLog() throws IOException {
        return Files.readString(dir.resolve("server/openvpn.log"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}

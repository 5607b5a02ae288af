package dev.rigfleet.instances.vpn;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The OpenVPN configurations of one instance's VPN, in one place for every place a server runs: the server's
 * configuration and each client's {@code .ovpn}, with everything inline. TCP (the port is one of a configured range),
 * EC certificates with {@code dh none}, {@code tls-crypt} with the instance's own static key, and the CRL checked on
 * every handshake.
 */
public final class OpenVpnFiles {

    /** The common name of the instance's own client: it always has the VPN's second address. */
    public static final String INSTANCE_CLIENT = "instance";

    /** The server certificate's common name, which clients verify. */
    public static String serverName(String instanceId) {
        return "rigfleet-vpn-" + instanceId;
    }

    private static final int STATIC_KEY_BYTES = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private OpenVpnFiles() {}

    /** A new {@code tls-crypt} key in OpenVPN's static key format. */
    public static String staticKey() {
        byte[] key = new byte[STATIC_KEY_BYTES];
        RANDOM.nextBytes(key);
        String hex = HexFormat.of().formatHex(key);
        StringBuilder text = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        for (int line = 0; line < hex.length(); line += 32) {
            text.append(hex, line, line + 32).append('\n');
        }
        return text.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    /**
     * The server's configuration.
     *
     * @param network the VPN's own addresses: the server has the first, the instance the second
     * @param files where the server finds its CRL file ({@code crl.pem}), client directory ({@code ccd}) and
     *     management socket ({@code management.sock})
     * @param up the script that makes the tun device (which OpenVPN does not configure itself) part of the VPN's own
     *     network namespace; null where the server has a namespace of its own already (a pod)
     */
    public static String server(
            Network network, int port, String ca, VpnPki.Issued server, String staticKey, String files, String up) {
        StringBuilder config = new StringBuilder();
        config.append("mode server\ntls-server\nproto tcp-server\nport ")
                .append(port)
                .append('\n');
        config.append("dev tun\ntopology subnet\n");
        config.append("ifconfig ")
                .append(network.server())
                .append(' ')
                .append(network.mask())
                .append('\n');
        config.append("ifconfig-pool ")
                .append(network.firstPooled())
                .append(' ')
                .append(network.last())
                .append(' ')
                .append(network.mask())
                .append('\n');
        config.append("push \"topology subnet\"\npush \"route-gateway ")
                .append(network.server())
                .append("\"\n");
        // The user's machines and the instance reach each other: one private network.
        config.append("client-to-client\n");
        config.append("client-config-dir ").append(files).append("/ccd\n");
        config.append("crl-verify ").append(files).append("/crl.pem\n");
        config.append("management ").append(files).append("/management.sock unix\n");
        config.append("remote-cert-tls client\ndh none\necdh-curve prime256v1\n");
        config.append("data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\n");
        config.append("keepalive 10 60\nverb 3\n");
        if (up != null) {
            config.append("ifconfig-noexec\nroute-noexec\nscript-security 2\nup ")
                    .append(up)
                    .append('\n');
        }
        inline(config, "ca", ca);
        inline(config, "cert", server.certificate());
        inline(config, "key", server.privateKey());
        inline(config, "tls-crypt", staticKey);
        return config.toString();
    }

    /** What the server's client directory holds for the instance's own client: its fixed address. */
    public static String instanceClient(Network network) {
        return "ifconfig-push " + network.instance() + " " + network.mask() + "\n";
    }

    /** A client's complete {@code .ovpn}. */
    public static String client(
            String instanceId, String remoteHost, int remotePort, String ca, VpnPki.Issued client, String staticKey) {
        StringBuilder config = new StringBuilder();
        config.append("client\ndev tun\nproto tcp-client\nremote ")
                .append(remoteHost)
                .append(' ')
                .append(remotePort)
                .append('\n');
        config.append("nobind\nremote-cert-tls server\nverify-x509-name ")
                .append(serverName(instanceId))
                .append(" name\n");
        config.append("data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nverb 3\n");
        inline(config, "ca", ca);
        inline(config, "cert", client.certificate());
        inline(config, "key", client.privateKey());
        inline(config, "tls-crypt", staticKey);
        return config.toString();
    }

    private static void inline(StringBuilder config, String tag, String pem) {
        config.append('<').append(tag).append(">\n").append(pem);
        if (!pem.endsWith("\n")) {
            config.append('\n');
        }
        config.append("</").append(tag).append(">\n");
    }
}

package dev.rigfleet.workspaces.hardware;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

/**
 * Stands in for the registry's {@code GET /devices/{uuid}} in the workspaces service's tests: a device is visible to
 * its owner and to admins, unknown to anyone else, as the registry answers; and for its {@code
 * /internal/owners/{owner}/git-ssh-key}, a key pair per owner, made on first use, for the workspaces service's token
 * alone. The real registry is asked in e2e.
 */
public class RegistryStub implements QuarkusTestResourceLifecycleManager {

    private static final Map<String, UUID> OWNERS = new ConcurrentHashMap<>();
    private static final Map<UUID, KeyPair> GIT_KEYS = new ConcurrentHashMap<>();
    private static final Pattern GIT_KEY_PATH = Pattern.compile("/internal/owners/([0-9a-f-]{36})/git-ssh-key");
    private static final Pattern SUBJECT = Pattern.compile("\"sub\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ADMIN = Pattern.compile("\"groups\"\\s*:\\s*\\[[^\\]]*\"admin\"");
    private HttpServer server;

    /** Enrols a new device of the owner; answers its uuid. */
    public static String enrol(UUID owner) {
        String uuid = UUID.randomUUID().toString().replace("-", "");
        OWNERS.put(uuid, owner);
        return uuid;
    }

    /** The owner's git SSH public key, as an OpenSSH line. */
    public static String gitPublicKey(UUID owner) {
        return PublicKeyEntry.toString(gitKey(owner).getPublic());
    }

    private static KeyPair gitKey(UUID owner) {
        return GIT_KEYS.computeIfAbsent(owner, ignored -> {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
                generator.initialize(new ECGenParameterSpec("secp256r1"));
                return generator.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/devices/", exchange -> {
            String uuid = exchange.getRequestURI().getPath().substring("/devices/".length());
            String claims = claims(exchange.getRequestHeaders().getFirst("Authorization"));
            Matcher subject = SUBJECT.matcher(claims);
            UUID owner = OWNERS.get(uuid);
            boolean visible = owner != null
                    && (ADMIN.matcher(claims).find()
                            || subject.find() && subject.group(1).equals(owner.toString()));
            byte[] body = (visible
                            ? "{\"uuid\":\"" + uuid + "\",\"owner\":\"" + owner + "\",\"online\":true}"
                            : "{\"error_message\":\"no device " + uuid + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(visible ? 200 : 404, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/internal/owners/", exchange -> {
            Matcher path = GIT_KEY_PATH.matcher(exchange.getRequestURI().getPath());
            String claims = claims(exchange.getRequestHeaders().getFirst("Authorization"));
            Matcher subject = SUBJECT.matcher(claims);
            int status;
            String body;
            if (!(subject.find() && subject.group(1).equals("workspaces") && claims.contains("\"service\""))) {
                status = 401;
                body = "{\"error_message\":\"a service token is needed\"}";
            } else if (!path.matches()) {
                status = 404;
                body = "{\"error_message\":\"not found\"}";
            } else {
                KeyPair key = gitKey(UUID.fromString(path.group(1)));
                ByteArrayOutputStream privateKey = new ByteArrayOutputStream();
                try {
                    OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(key, "stub", null, privateKey);
                } catch (GeneralSecurityException e) {
                    throw new IOException(e);
                }
                status = 200;
                body = "{\"public_key\":\"" + PublicKeyEntry.toString(key.getPublic()) + "\",\"private_key\":\""
                        + privateKey.toString(StandardCharsets.UTF_8).replace("\n", "\\n") + "\"}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return Map.of(
                "quarkus.rest-client.registry.url",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        server.stop(0);
    }

    private static String claims(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            return "";
        }
        String[] parts = authorization.substring("Bearer ".length()).split("\\.");
        return parts.length < 2 ? "" : new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    }
}

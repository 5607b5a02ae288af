package dev.rigfleet.instances.service;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;

/**
 * Key pairs for users who bring no key: RSA 3072, the private key in OpenSSH's own format (which OpenSSH and
 * paramiko read; Java's default PKCS#8 output is what Debian's paramiko refuses), the public key as an
 * {@code authorized_keys} line.
 */
@ApplicationScoped
public class SshKeys {

    public record Pair(String publicKey, String privateKey) {}

    private final Vertx vertx;

    public SshKeys(Vertx vertx) {
        this.vertx = vertx;
    }

    /** Made off the event loop: an RSA key takes tens of milliseconds. */
    public Uni<Pair> generate(String comment) {
        return vertx.executeBlocking(() -> {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(3072);
            KeyPair pair = generator.generateKeyPair();
            ByteArrayOutputStream privateKey = new ByteArrayOutputStream();
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, privateKey);
            return new Pair(
                    PublicKeyEntry.toString(pair.getPublic()) + " " + comment,
                    privateKey.toString(StandardCharsets.US_ASCII));
        });
    }
}

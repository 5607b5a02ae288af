package dev.rigfleet.registry.service;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.crypto.Sealer;
import dev.rigfleet.registry.config.RegistryConfig;
import dev.rigfleet.registry.model.GitSshKey;
import dev.rigfleet.registry.repository.GitSshKeyRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.UUID;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.hibernate.exception.ConstraintViolationException;

/**
 * Each device owner's SSH key pair for git, made on first use (ECDSA P-256, in OpenSSH's formats) and kept with the
 * private key sealed. Two first uses at once keep whichever was stored first.
 */
@ApplicationScoped
public class GitSshKeys {

    /** The key pair as the agent receives it (the spec's {@code AgentGitSSHKey}). */
    public record Pair(
            @JsonProperty("public_key") String publicKey,
            @JsonProperty("private_key") String privateKey) {}

    private final GitSshKeyRepository keys;
    private final Sealer sealer;
    private final Vertx vertx;

    public GitSshKeys(GitSshKeyRepository keys, RegistryConfig config, Vertx vertx) {
        this.keys = keys;
        this.sealer = new Sealer(config.secretsKey(), "rigfleet.registry.secrets-key");
        this.vertx = vertx;
    }

    public Uni<Pair> of(UUID owner) {
        return Panache.withSession(() -> keys.findById(owner))
                .chain(found -> found != null ? Uni.createFrom().item(found) : create(owner))
                .map(key -> new Pair(key.publicKey, sealer.open(key.sealedPrivateKey)));
    }

    private Uni<GitSshKey> create(UUID owner) {
        return vertx.executeBlocking(() -> generate(owner))
                .chain(key -> Panache.withTransaction(() -> keys.persist(key)))
                .onFailure(ConstraintViolationException.class)
                .recoverWithUni(() -> Panache.withSession(() -> keys.findById(owner)));
    }

    private GitSshKey generate(UUID owner) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        ByteArrayOutputStream privateKey = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, "rigfleet git " + owner, null, privateKey);
        GitSshKey key = new GitSshKey();
        key.ownerId = owner;
        key.publicKey = PublicKeyEntry.toString(pair.getPublic());
        key.sealedPrivateKey = sealer.seal(privateKey.toString(StandardCharsets.UTF_8));
        key.createdAt = Instant.now();
        return key;
    }
}

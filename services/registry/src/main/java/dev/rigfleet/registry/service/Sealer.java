package dev.rigfleet.registry.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.registry.config.RegistryConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/** Seals secrets at rest with AES-256-GCM under {@code rigfleet.registry.secrets-key}: a random nonce per secret. */
@ApplicationScoped
public class Sealer {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final Optional<SecretKey> key;
    private final SecureRandom random = new SecureRandom();

    public Sealer(RegistryConfig config) {
        this.key = config.secretsKey().map(encoded -> {
            byte[] bytes = Base64.getDecoder().decode(encoded.trim());
            if (bytes.length != 32) {
                throw new IllegalArgumentException("rigfleet.registry.secrets-key must be 32 bytes, base64-encoded");
            }
            return new SecretKeySpec(bytes, "AES");
        });
    }

    public String seal(String secret) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(TAG_BITS, nonce));
            byte[] sealed = cipher.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder()
                    .encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                            .put(nonce)
                            .put(sealed)
                            .array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a secret", e);
        }
    }

    public String open(String sealed) {
        try {
            byte[] bytes = Base64.getDecoder().decode(sealed);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
            return new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a sealed secret does not open with rigfleet.registry.secrets-key", e);
        }
    }

    private SecretKey key() {
        return key.orElseThrow(() ->
                ApiException.unavailable("secrets cannot be kept: rigfleet.registry.secrets-key is not configured"));
    }
}

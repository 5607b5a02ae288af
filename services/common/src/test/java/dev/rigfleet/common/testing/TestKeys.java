package dev.rigfleet.common.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * An RSA key pair made once per test JVM and written as PEM files where the services' configuration finds them, and
 * the services' shared key for service tokens.
 * Quarkus loads test resources and tests in different class loaders, so the pair is found again through a system
 * property rather than a static field.
 */
public final class TestKeys {

    private static final String DIRECTORY_PROPERTY = "rigfleet.test.keys";

    private TestKeys() {}

    public static Path publicKeyFile() {
        return directory().resolve("public.pem");
    }

    public static Path privateKeyFile() {
        return directory().resolve("private.pem");
    }

    /** The private key the services under test trust. */
    public static PrivateKey signingKey() {
        try {
            String pem = Files.readString(privateKeyFile());
            byte[] der = Base64.getMimeDecoder()
                    .decode(pem.replaceAll("-----[A-Z ]+-----", "").trim());
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the test signing key", e);
        }
    }

    /** The services' shared key under test (base64), as {@code rigfleet.service-identity.key} takes it. */
    public static String serviceKey() {
        try {
            return Files.readString(directory().resolve("service.key")).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SecretKey serviceSecretKey() {
        return new SecretKeySpec(Base64.getDecoder().decode(serviceKey()), "HmacSHA256");
    }

    /** A private key nobody trusts, for forged signatures. */
    public static PrivateKey strangerKey() {
        return generate().getPrivate();
    }

    private static synchronized Path directory() {
        String existing = System.getProperty(DIRECTORY_PROPERTY);
        if (existing != null) {
            return Path.of(existing);
        }
        try {
            Path directory = Files.createTempDirectory("rigfleet-test-keys");
            KeyPair pair = generate();
            Files.writeString(
                    directory.resolve("public.pem"),
                    pem("PUBLIC KEY", pair.getPublic().getEncoded()));
            Files.writeString(
                    directory.resolve("private.pem"),
                    pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            byte[] serviceKey = new byte[32];
            new SecureRandom().nextBytes(serviceKey);
            Files.writeString(
                    directory.resolve("service.key"), Base64.getEncoder().encodeToString(serviceKey));
            System.setProperty(DIRECTORY_PROPERTY, directory.toString());
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.rigfleet.keygen;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys of the Secret {@code <release>-keys}, each made only when it is missing: what the chart's components
 * read from that Secret, by these names (charts/rigfleet/templates).
 */
public final class GeneratedKeys {

    /** The JWT verification key, PEM (SubjectPublicKeyInfo), derived from {@link #PRIVATE_PEM}. */
    public static final String PUBLIC_PEM = "public.pem";
    /** The JWT signing key: RSA 2048, PKCS#8 PEM. */
    public static final String PRIVATE_PEM = "private.pem";
    /** The services' shared key for their service tokens: 32 random bytes, base64. */
    public static final String SERVICE_KEY = "service-key";
    /** The registry's key for the secrets it seals: 32 random bytes, base64. */
    public static final String REGISTRY_SECRETS_KEY = "registry-secrets-key";
    /** The instances service's key for users' SSH keys and each VPN's keys: 32 random bytes, base64. */
    public static final String INSTANCES_SECRETS_KEY = "instances-secrets-key";
    /** The bundled PostgreSQL's password: 32 letters and digits. */
    public static final String POSTGRESQL_PASSWORD = "postgresql-password";

    public static final List<String> NAMES = List.of(
            PUBLIC_PEM, PRIVATE_PEM, SERVICE_KEY, REGISTRY_SECRETS_KEY, INSTANCES_SECRETS_KEY, POSTGRESQL_PASSWORD);

    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final SecureRandom random = new SecureRandom();

    /**
     * The keys missing from {@code present} (a Secret's values, as text), generated; what is present is never
     * replaced. A public key is derived from a present private key. A private key whose public key is present
     * cannot be made without changing that public key, so that is refused.
     */
    public Map<String, String> missingFrom(Map<String, String> present) {
        Map<String, String> made = new LinkedHashMap<>();
        boolean hasPrivate = present.containsKey(PRIVATE_PEM);
        if (!hasPrivate && present.containsKey(PUBLIC_PEM)) {
            throw new IllegalStateException(
                    "the Secret holds public.pem without private.pem: add the private key, or remove public.pem to"
                            + " have both made");
        }
        String privatePem = hasPrivate ? present.get(PRIVATE_PEM) : newPrivatePem();
        if (!hasPrivate) {
            made.put(PRIVATE_PEM, privatePem);
        }
        if (!present.containsKey(PUBLIC_PEM)) {
            made.put(PUBLIC_PEM, publicPemOf(privatePem));
        }
        for (String key : List.of(SERVICE_KEY, REGISTRY_SECRETS_KEY, INSTANCES_SECRETS_KEY)) {
            if (!present.containsKey(key)) {
                made.put(key, Base64.getEncoder().encodeToString(randomBytes(32)));
            }
        }
        if (!present.containsKey(POSTGRESQL_PASSWORD)) {
            StringBuilder password = new StringBuilder();
            for (int i = 0; i < 32; i++) {
                password.append(ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length())));
            }
            made.put(POSTGRESQL_PASSWORD, password.toString());
        }
        return made;
    }

    private String newPrivatePem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048, random);
            return pem("PRIVATE KEY", generator.generateKeyPair().getPrivate().getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available", e);
        }
    }

    /** The SubjectPublicKeyInfo PEM of a PKCS#8 RSA private key (which holds its public exponent). */
    static String publicPemOf(String privatePem) {
        try {
            String body = privatePem
                    .replace("-----BEGIN PRIVATE KEY-----", "")
                    .replace("-----END PRIVATE KEY-----", "")
                    .replaceAll("\\s", "");
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            RSAPrivateCrtKey key = (RSAPrivateCrtKey) rsa.generatePrivate(
                    new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
            byte[] spki = rsa.generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()))
                    .getEncoded();
            return pem("PUBLIC KEY", spki);
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalStateException("private.pem is not a PKCS#8 RSA private key in PEM", e);
        }
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}

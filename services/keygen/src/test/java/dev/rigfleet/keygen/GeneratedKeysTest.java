package dev.rigfleet.keygen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratedKeysTest {

    private final GeneratedKeys keys = new GeneratedKeys();

    @Test
    void fromNothingEveryKeyIsMade() throws Exception {
        Map<String, String> made = keys.missingFrom(Map.of());

        assertEquals(Set.copyOf(GeneratedKeys.NAMES), made.keySet());
        for (String key : Set.of(
                GeneratedKeys.SERVICE_KEY, GeneratedKeys.REGISTRY_SECRETS_KEY, GeneratedKeys.INSTANCES_SECRETS_KEY)) {
            assertEquals(32, Base64.getDecoder().decode(made.get(key)).length, key);
        }
        assertTrue(made.get(GeneratedKeys.POSTGRESQL_PASSWORD).matches("[A-Za-z0-9]{32}"));
        assertSignsAndVerifies(made.get(GeneratedKeys.PRIVATE_PEM), made.get(GeneratedKeys.PUBLIC_PEM));
    }

    @Test
    void twoRunsMakeDifferentKeys() {
        Map<String, String> first = keys.missingFrom(Map.of());
        Map<String, String> second = keys.missingFrom(Map.of());
        for (String key : GeneratedKeys.NAMES) {
            assertFalse(first.get(key).equals(second.get(key)), key);
        }
    }

    @Test
    void whatIsPresentIsNeitherMadeAgainNorChanged() {
        Map<String, String> present = keys.missingFrom(Map.of());

        assertTrue(keys.missingFrom(present).isEmpty());
    }

    @Test
    void thePublicKeyIsDerivedFromAPresentPrivateKey() throws Exception {
        String privatePem = keys.missingFrom(Map.of()).get(GeneratedKeys.PRIVATE_PEM);

        Map<String, String> made = keys.missingFrom(Map.of(GeneratedKeys.PRIVATE_PEM, privatePem));

        assertFalse(made.containsKey(GeneratedKeys.PRIVATE_PEM));
        assertSignsAndVerifies(privatePem, made.get(GeneratedKeys.PUBLIC_PEM));
    }

    @Test
    void aPublicKeyWithoutItsPrivateKeyIsRefused() {
        String publicPem = keys.missingFrom(Map.of()).get(GeneratedKeys.PUBLIC_PEM);

        IllegalStateException refused = assertThrows(
                IllegalStateException.class, () -> keys.missingFrom(Map.of(GeneratedKeys.PUBLIC_PEM, publicPem)));
        assertTrue(refused.getMessage().contains("public.pem without private.pem"), refused.getMessage());
    }

    @Test
    void aPrivateKeyThatIsNotPemIsRefusedByName() {
        IllegalStateException refused = assertThrows(
                IllegalStateException.class, () -> keys.missingFrom(Map.of(GeneratedKeys.PRIVATE_PEM, "not a key")));
        assertTrue(refused.getMessage().contains("private.pem"), refused.getMessage());
    }

    static void assertSignsAndVerifies(String privatePem, String publicPem) throws Exception {
        KeyFactory rsa = KeyFactory.getInstance("RSA");
        PrivateKey privateKey = rsa.generatePrivate(new PKCS8EncodedKeySpec(der(privatePem, "PRIVATE KEY")));
        PublicKey publicKey = rsa.generatePublic(new X509EncodedKeySpec(der(publicPem, "PUBLIC KEY")));
        byte[] message = "rigfleet".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(privateKey);
        signer.update(message);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(publicKey);
        verifier.update(message);
        assertTrue(verifier.verify(signature), "the public key verifies what the private key signed");
    }

    private static byte[] der(String pem, String type) {
        assertTrue(pem.startsWith("-----BEGIN " + type + "-----\n"), pem);
        assertTrue(pem.endsWith("-----END " + type + "-----\n"), pem);
        return Base64.getMimeDecoder()
                .decode(pem.replace("-----BEGIN " + type + "-----", "").replace("-----END " + type + "-----", ""));
    }
}

package dev.rigfleet.bench;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A service token as the instances service presents it on the coordinator's {@code /internal} routes (HS256 over the
 * services' shared key, audience {@code service}), for drivers that call those routes themselves.
 */
final class ServiceToken {

    private ServiceToken() {}

    /** {@code Authorization} header value naming {@code service}, signed with the base64 key in {@code keyFile}. */
    static String authorization(Path keyFile, String service) throws Exception {
        byte[] key = Base64.getDecoder().decode(Files.readString(keyFile).trim());
        long now = Instant.now().getEpochSecond();
        String header = encode(new JsonObject().put("alg", "HS256").put("typ", "JWT"));
        String claims = encode(new JsonObject()
                .put("iss", "rigfleet")
                .put("sub", service)
                .put("aud", "service")
                .put("iat", now)
                .put("exp", now + 3600)
                .put("jti", UUID.randomUUID().toString()));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] signature = mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
        return "Bearer " + header + "." + claims + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    }

    private static String encode(JsonObject json) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
    }
}

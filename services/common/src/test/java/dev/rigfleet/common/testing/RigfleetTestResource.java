package dev.rigfleet.common.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import java.util.UUID;

/**
 * What every service test needs: the real Redis on loopback under a key prefix of its own, JWT keys made for the
 * run, and an owner of the revocation list to load from.
 */
public class RigfleetTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String REDIS_URL = System.getProperty("rigfleet.test.redis", "redis://127.0.0.1:6379");

    @Override
    public Map<String, String> start() {
        return Map.of(
                "rigfleet.redis.key-prefix",
                        "test-" + UUID.randomUUID().toString().substring(0, 8) + ":",
                "quarkus.redis.hosts", REDIS_URL,
                "mp.jwt.verify.publickey.location",
                        TestKeys.publicKeyFile().toUri().toString(),
                "smallrye.jwt.sign.key.location",
                        TestKeys.privateKeyFile().toUri().toString(),
                "rigfleet.service-identity.key", TestKeys.serviceKey(),
                "quarkus.rest-client.revocations.url", RevocationOwnerStub.start());
    }

    @Override
    public void stop() {}
}

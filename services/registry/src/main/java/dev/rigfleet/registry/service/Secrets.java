package dev.rigfleet.registry.service;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random identities and secrets. Secrets are shown once and stored only as their SHA-256. */
final class Secrets {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /** A device uuid as balena makes them: 32 lower-case hex characters (128 random bits). */
    static String deviceUuid() {
        return hex(16);
    }

    /** 256 random bits: a device credential or a provisioning key. */
    static String secret() {
        return hex(32);
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}

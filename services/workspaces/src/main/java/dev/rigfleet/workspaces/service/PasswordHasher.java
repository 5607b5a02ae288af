package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.config.WorkspacesConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * bcrypt (BouncyCastle's OpenBSD implementation). Hashing is deliberately slow, so it runs on a worker thread and
 * the answer comes back on the caller's Vert.x context, where the database session lives.
 */
@ApplicationScoped
public class PasswordHasher {

    /** bcrypt reads at most 72 bytes; longer passwords would be silently cut. */
    public static final int MAX_PASSWORD_BYTES = 72;

    private final SecureRandom random = new SecureRandom();
    private final Vertx vertx;
    private final int cost;
    /** Checked against when the user does not exist, so that a wrong name costs as long as a wrong password. */
    private final String decoy;

    public PasswordHasher(Vertx vertx, WorkspacesConfig config) {
        this.vertx = vertx;
        this.cost = config.bcryptCost();
        this.decoy = OpenBSDBCrypt.generate("decoy".toCharArray(), salt(), cost);
    }

    public Uni<String> hash(String password) {
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            return Uni.createFrom().failure(ApiException.badRequest("password must be at most 72 bytes"));
        }
        return vertx.executeBlocking(() -> OpenBSDBCrypt.generate(password.toCharArray(), salt(), cost));
    }

    /** Whether the password matches; a null hash (no such user) is checked against a decoy and never matches. */
    public Uni<Boolean> matches(String password, String hash) {
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            return Uni.createFrom().item(false);
        }
        return vertx.executeBlocking(() -> {
            boolean matched = OpenBSDBCrypt.checkPassword(hash == null ? decoy : hash, password.toCharArray());
            return matched && hash != null;
        });
    }

    private byte[] salt() {
        byte[] salt = new byte[16];
        random.nextBytes(salt);
        return salt;
    }
}

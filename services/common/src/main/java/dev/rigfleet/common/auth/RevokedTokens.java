package dev.rigfleet.common.auth;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.proto.bus.RevokedToken;
import dev.rigfleet.proto.bus.TokensRevoked;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * This service's copy of the revoked-token set. Loaded whole from the owner at start, after every bus reconnect
 * (pub/sub drops events sent while we were away) and every {@code rigfleet.auth.revocation-refresh}, and kept current
 * by {@link Topics#TOKEN_REVOKED} events in between.
 * A Redis outage leaves the last known set in force: nothing here forgets an unexpired revocation.
 */
@ApplicationScoped
public class RevokedTokens {

    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(5);

    private final Map<String, Long> expiryBySha256 = new ConcurrentHashMap<>();
    private final AtomicBoolean loaded = new AtomicBoolean();
    private final RevocationSource source;
    private final Bus bus;
    private final Vertx vertx;
    private final Duration refreshInterval;

    public RevokedTokens(
            RevocationSource source,
            Bus bus,
            Vertx vertx,
            @ConfigProperty(name = "rigfleet.auth.revocation-refresh", defaultValue = "30s") Duration refreshInterval) {
        this.source = source;
        this.bus = bus;
        this.vertx = vertx;
        this.refreshInterval = refreshInterval;
    }

    void start(@Observes StartupEvent started) {
        bus.onEvent(Topics.TOKEN_REVOKED, event -> {
            for (RevokedToken token : event.getTokensList()) {
                add(token.getSha256(), token.getExpiresAtEpochS());
            }
        });
        bus.onConnected(this::reload);
        reload();
        // The safety net for an announcement that could not be published while everyone else stayed connected.
        vertx.setPeriodic(refreshInterval.toMillis(), ignored -> reload());
    }

    public boolean isLoaded() {
        return loaded.get();
    }

    public boolean isRevoked(String sha256) {
        return expiryBySha256.containsKey(sha256);
    }

    public int size() {
        return expiryBySha256.size();
    }

    public void add(String sha256, long expiresAtEpochSeconds) {
        if (expiresAtEpochSeconds > Instant.now().getEpochSecond()) {
            expiryBySha256.put(sha256, expiresAtEpochSeconds);
        }
    }

    /** Loads the owner's whole list, retrying with back-off until it succeeds. */
    public void reload() {
        source.load()
                .onFailure()
                .invoke(e -> Log.warnf("Could not load the revocation list yet (%s); retrying", e.toString()))
                .onFailure()
                .retry()
                .withBackOff(Duration.ofMillis(100), MAX_RETRY_DELAY)
                .indefinitely()
                .subscribe()
                .with(this::merge);
    }

    private void merge(RevocationList list) {
        long now = Instant.now().getEpochSecond();
        expiryBySha256.values().removeIf(expiry -> expiry <= now);
        list.revoked().forEach(entry -> add(entry.sha256(), entry.expiresAt()));
        if (loaded.compareAndSet(false, true)) {
            Log.infof("Revocation list loaded: %d unexpired revoked tokens", expiryBySha256.size());
        }
    }

    /** For the owner, which stores first and then tells everyone. */
    public Uni<Void> announce(Iterable<RevocationList.Entry> tokens) {
        TokensRevoked.Builder event = TokensRevoked.newBuilder();
        for (RevocationList.Entry token : tokens) {
            add(token.sha256(), token.expiresAt());
            event.addTokens(RevokedToken.newBuilder().setSha256(token.sha256()).setExpiresAtEpochS(token.expiresAt()));
        }
        return bus.publish(Topics.TOKEN_REVOKED, event.build());
    }
}

package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.auth.TokenHashes;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.common.leader.Leadership;
import dev.rigfleet.workspaces.config.EurlConfig;
import dev.rigfleet.workspaces.model.EurlDelivery;
import dev.rigfleet.workspaces.repository.EurlDeliveryRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Calls users' callback URLs with what they owe: one POST of the JSON payload, no redirects followed, a time-out per
 * attempt, and a bounded number of attempts with doubling waits. Each POST carries {@code Authorization: Bearer} a
 * JWT of audience {@value #AUDIENCE} signed with the platform's token key, which names the delivery ({@code jti}) and
 * the body's SHA-256 ({@code body_sha256}), so that a receiver can trust both sender and body.
 */
@ApplicationScoped
public class EurlDeliveries {

    public static final String AUDIENCE = "eurl";

    private static final int BATCH = 20;

    private final EurlDeliveryRepository deliveries;
    private final EventUrls eventUrls;
    private final EurlConfig config;
    private final HttpClient http;
    private final MeterRegistry meters;
    private final String issuer;
    private final Leadership leadership;

    public EurlDeliveries(
            EurlDeliveryRepository deliveries,
            EventUrls eventUrls,
            EurlConfig config,
            Vertx vertx,
            MeterRegistry meters,
            @ConfigProperty(name = "mp.jwt.verify.issuer") String issuer,
            Leadership leadership) {
        this.deliveries = deliveries;
        this.eventUrls = eventUrls;
        this.leadership = leadership;
        this.config = config;
        this.meters = meters;
        this.issuer = issuer;
        this.http = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) config.timeout().toMillis())
                .setVerifyHost(true)
                .setMaxRedirects(0));
    }

    /** The retries: every attempt that is due, made by the replica that {@link Leadership leads}. */
    @Scheduled(every = "${rigfleet.eurl.poll-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> retryDue() {
        return leadership.leads() ? deliverDue() : Uni.createFrom().voidItem();
    }

    /** Makes every attempt that is due; the retries call it, and so does whoever just stored a delivery. */
    public Uni<Void> deliverDue() {
        Duration claim = config.timeout().multipliedBy(3);
        return deliveries
                .claimDue(Instant.now(), claim, BATCH)
                .onItem()
                .transformToMulti(due -> Multi.createFrom().iterable(due))
                .onItem()
                .transformToUniAndMerge(this::attempt)
                .collect()
                .last()
                .replaceWithVoid()
                .onFailure()
                .invoke(e -> Log.warnf("Callback deliveries could not run (%s); they are retried", e.getMessage()))
                .onFailure()
                .recoverWithNull();
    }

    private Uni<Void> attempt(EurlDelivery delivery) {
        String body = new JsonObject(delivery.payload()).encode();
        return eventUrls
                .resolve(delivery.url())
                .chain(target -> post(target, delivery, body))
                .chain(status -> status >= 200 && status < 300
                        ? finish(delivery, EurlDelivery.DELIVERED, status, null)
                        : retryOrFail(delivery, status, "the receiver answered " + status))
                .onFailure(ApiException.class)
                .recoverWithUni(refused -> finish(delivery, EurlDelivery.REFUSED, null, refused.getMessage()))
                .onFailure()
                .recoverWithUni(e -> retryOrFail(delivery, null, describe(e)));
    }

    private Uni<Integer> post(EventUrls.Target target, EurlDelivery delivery, String body) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setServer(SocketAddress.inetSocketAddress(
                        target.port(), target.address().getHostAddress()))
                .setHost(target.uri().getHost())
                .setPort(target.port())
                .setSsl(target.tls())
                .setURI(target.requestUri())
                .setFollowRedirects(false)
                .setIdleTimeout(config.timeout().toMillis())
                .putHeader("Content-Type", "application/json")
                .putHeader("Authorization", "Bearer " + token(delivery, body));
        return http.request(options)
                .chain(request -> request.send(Buffer.buffer(body)))
                .chain(response -> response.body().replaceWith(response.statusCode()))
                .ifNoItem()
                .after(config.timeout())
                .failWith(() -> new IllegalStateException(
                        "no answer within " + config.timeout().toSeconds() + " s"));
    }

    private String token(EurlDelivery delivery, String body) {
        return Jwt.issuer(issuer)
                .audience(AUDIENCE)
                .subject(delivery.userId().toString())
                .claim("jti", delivery.id().toString())
                .claim("body_sha256", TokenHashes.sha256(body))
                .expiresIn(300)
                .sign();
    }

    private Uni<Void> retryOrFail(EurlDelivery delivery, Integer status, String error) {
        int attempts = delivery.attempts() + 1;
        if (attempts >= config.maxAttempts()) {
            return finish(delivery, EurlDelivery.FAILED, status, error);
        }
        Duration wait = config.firstRetryDelay().multipliedBy(1L << Math.min(attempts - 1, 20));
        return deliveries.record(
                delivery.id(),
                EurlDelivery.PENDING,
                status,
                error,
                Instant.now().plus(wait),
                Instant.now());
    }

    private Uni<Void> finish(EurlDelivery delivery, String state, Integer status, String error) {
        meters.counter("rigfleet.eurl.deliveries", "outcome", state).increment();
        if (!EurlDelivery.DELIVERED.equals(state)) {
            Log.infof("Callback %s to the user's URL ended %s: %s", delivery.id(), state, error);
        }
        return deliveries.record(delivery.id(), state, status, error, null, Instant.now());
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}

package dev.rigfleet.agent.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.logging.Log;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Enrols the device: {@code POST /provision} with a provisioning key, and the identity it answers kept in the state
 * directory. {@link #once} tries once (the ioFog API's provision answers its caller); {@link #untilEnrolled} keeps
 * trying while the platform cannot be reached or fails, pausing as {@link Backoff} says, so that a device started
 * before its platform enrols as soon as the platform is up. A refusal of the key itself is not retried: only an
 * operator can mend it.
 */
final class Enrolment {

    /** The platform answered, and refused: trying again with the same key would not help. */
    static final class Refused extends IllegalStateException {
        Refused(String message) {
            super(message);
        }
    }

    private final Vertx vertx;
    private final HttpClient http;
    private final URI base;
    private final Optional<String> name;
    private final Path stateDir;
    private final Duration maxBackoff;
    private final ObjectMapper json = new ObjectMapper();
    private volatile boolean cancelled;
    private volatile long timer = -1;

    /** {@code base} must have passed {@link LinkSettings#requireSafe}: the answer carries the credential. */
    Enrolment(Vertx vertx, HttpClient http, URI base, Optional<String> name, Path stateDir, Duration maxBackoff) {
        this.vertx = vertx;
        this.http = http;
        this.base = base;
        this.name = name;
        this.stateDir = stateDir;
        this.maxBackoff = maxBackoff;
    }

    /** Tries until enrolled, or refused, or {@link #cancel}led; the future fails only then. */
    Future<DeviceIdentity> untilEnrolled(String key) {
        cancelled = false;
        Promise<DeviceIdentity> enrolled = Promise.promise();
        attempt(key, new Backoff(maxBackoff), 1, enrolled);
        return enrolled.future();
    }

    /** Stops the retries of {@link #untilEnrolled}; an attempt under way still completes. */
    void cancel() {
        cancelled = true;
        long pending = timer;
        if (pending >= 0) {
            vertx.cancelTimer(pending);
        }
    }

    private void attempt(String key, Backoff backoff, int number, Promise<DeviceIdentity> enrolled) {
        if (cancelled) {
            enrolled.tryFail("enrolment cancelled");
            return;
        }
        once(key)
                .onSuccess(identity -> {
                    if (cancelled) {
                        enrolled.tryFail("enrolment cancelled");
                    } else {
                        enrolled.tryComplete(identity);
                    }
                })
                .onFailure(failure -> {
                    if (failure instanceof Refused || cancelled) {
                        enrolled.tryFail(failure);
                        return;
                    }
                    long pause = backoff.next();
                    Log.warnf(
                            "Cannot enrol at %s/provision yet (attempt %d: %s); trying again in %d ms. The local APIs are "
                                    + "served meanwhile; check that the platform is up and reachable from this device",
                            base, number, failure.getMessage(), pause);
                    timer = vertx.setTimer(pause, ignored -> attempt(key, backoff, number + 1, enrolled));
                });
    }

    /** One attempt: the identity, stored, or the reason there is none ({@link Refused} when the key was refused). */
    Future<DeviceIdentity> once(String key) {
        Map<String, Object> body = name.<Map<String, Object>>map(n -> Map.of("provisioning_key", key, "name", n))
                .orElse(Map.of("provisioning_key", key));
        boolean tls = "https".equals(base.getScheme()) || "wss".equals(base.getScheme());
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setHost(base.getHost())
                .setPort(base.getPort() > 0 ? base.getPort() : tls ? 443 : 80)
                .setSsl(tls)
                .setURI("/provision")
                .putHeader("Content-Type", "application/json");
        byte[] payload;
        try {
            payload = json.writeValueAsBytes(body);
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
        return http.request(request)
                .compose(call -> call.send(Buffer.buffer(payload)))
                .compose(response -> response.body().map(bytes -> {
                    int status = response.statusCode();
                    if (status == 201) {
                        return bytes;
                    }
                    String why = "enrolment refused (" + status + "): " + bytes;
                    // A refused key stays refused; a platform that is starting, overloaded or failing may not.
                    throw status >= 400 && status < 500 && status != 408 && status != 429
                            ? new Refused(why)
                            : new IllegalStateException(why);
                }))
                .compose(answer -> vertx.executeBlocking(() -> store(answer), false));
    }

    private DeviceIdentity store(Buffer answer) throws Exception {
        Map<?, ?> enrolment = json.readValue(answer.getBytes(), Map.class);
        DeviceIdentity identity = new DeviceIdentity(
                (String) enrolment.get("uuid"),
                ((Number) enrolment.get("deviceId")).longValue(),
                ((Number) enrolment.get("appId")).longValue(),
                (String) enrolment.get("name"),
                (String) enrolment.get("credential"));
        identity.store(stateDir);
        Log.infof("Enrolled as device %s; identity kept in %s", identity.uuid(), stateDir.resolve(DeviceIdentity.FILE));
        return identity;
    }
}

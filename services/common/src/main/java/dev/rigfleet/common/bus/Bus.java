package dev.rigfleet.common.bus;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.rigfleet.common.http.RequestIds;
import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.proto.bus.Envelope;
import dev.rigfleet.proto.bus.Failure;
import dev.rigfleet.proto.bus.Kind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.RedisConnection;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * rigfleet's message bus over Redis pub/sub. Every replica subscribes to its own inbox channel, where requests to it
 * and replies to its requests arrive, and to the event channels it has handlers for. Each message is an {@link
 * Envelope} from {@code proto/}; a message id seen before is dropped. Requests always end: with the reply, with
 * {@link BusException.Reason#NO_RESPONDER} at once when Redis delivered it to nobody, or with {@link
 * BusException.Reason#TIMED_OUT}.
 *
 * <p>Every message belongs to a {@link Topic} declared in {@link Topics}: the bus parses its payload once and hands
 * handlers the typed message; one that does not parse is logged, counted and dropped (a request gets a {@code
 * malformed} failure reply).
 *
 * <p>Pub/sub keeps nothing for an absent subscriber, so the bus tells {@link #onConnected} listeners after every
 * (re)subscription: whoever must not miss an event reloads the state from its owner then. See docs/architecture.md.
 */
@ApplicationScoped
public class Bus {

    private static final Duration FIRST_RECONNECT_DELAY = Duration.ofMillis(100);

    private final Redis redis;
    private final Vertx vertx;
    private final BusConfig config;
    private final String channelPrefix;
    private final String replicaId;
    private final Map<String, Function<Envelope, Uni<? extends MessageLite>>> requestHandlers =
            new ConcurrentHashMap<>();
    /** By full channel name, then by type: a payload is parsed once however many handlers it has. */
    private final Map<String, Map<String, EventHandlers<?>>> eventHandlers = new ConcurrentHashMap<>();

    private final Map<String, Consumer<Envelope>> inboxHandlers = new ConcurrentHashMap<>();
    private final Map<String, UniEmitter<? super Envelope>> pendingReplies = new ConcurrentHashMap<>();
    private final List<Runnable> connectedListeners = new CopyOnWriteArrayList<>();
    private final Cache<String, Boolean> seenIds;
    private final Counter sent;
    private final Counter received;
    private final Counter duplicates;
    private final Counter timedOut;
    private final Counter noResponder;
    private final Counter malformed;

    private volatile RedisConnection subscriber;
    /** The one connection {@link #tell} publishes on, so that what one replica tells arrives in order. */
    private volatile RedisConnection orderedPublisher;

    private volatile boolean stopping;
    private int reconnectAttempts;

    public Bus(
            Redis redis,
            Vertx vertx,
            BusConfig config,
            RedisNamespace namespace,
            MeterRegistry meters,
            @ConfigProperty(name = "quarkus.application.name") String service) {
        this.redis = redis;
        this.vertx = vertx;
        this.config = config;
        this.channelPrefix = namespace.keyPrefix() + "bus:";
        this.replicaId = service + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.seenIds = Caffeine.newBuilder()
                .expireAfterWrite(config.dedupWindow())
                .maximumSize(config.dedupCapacity())
                .build();
        this.sent = counter(meters, "rigfleet.bus.sent", "Messages published on the bus");
        this.received = counter(meters, "rigfleet.bus.received", "Messages received from the bus");
        this.duplicates = counter(meters, "rigfleet.bus.duplicates", "Messages dropped as already seen");
        this.timedOut = counter(meters, "rigfleet.bus.timeouts", "Requests that got no reply in time");
        this.noResponder = counter(meters, "rigfleet.bus.no.responder", "Requests that reached no subscriber");
        this.malformed = counter(meters, "rigfleet.bus.malformed", "Messages dropped as their payload did not parse");
    }

    /** This replica's name on the bus, unique per process. */
    public String replicaId() {
        return replicaId;
    }

    /** The channel where this replica receives requests and replies; hand it out to be addressed. */
    public String inbox() {
        return inboxOf(replicaId);
    }

    public String inboxOf(String replica) {
        return channelPrefix + "inbox:" + replica;
    }

    /** Publishes an event to every current subscriber of the topic's channel; those away miss it. */
    public <T extends MessageLite> Uni<Void> publish(Topic.Event<T> topic, T payload) {
        return send(
                        eventChannel(topic.channel()),
                        envelope(Kind.EVENT, topic.type(), payload).build())
                .replaceWithVoid();
    }

    /** Asks the replica behind {@code inbox} and parses its reply. */
    public <Q extends MessageLite, R extends MessageLite> Uni<R> request(
            String inbox, Topic.Request<Q, R> topic, Q payload, Duration timeout) {
        String type = topic.type();
        Parser<R> replyParser = topic.replyParser();
        String correlationId = UUID.randomUUID().toString();
        Envelope request = envelope(Kind.REQUEST, type, payload)
                .setCorrelationId(correlationId)
                .setReplyTo(inbox())
                .setDeadlineEpochMs(System.currentTimeMillis() + timeout.toMillis())
                .build();
        Uni<Envelope> reply = Uni.createFrom().emitter(emitter -> {
            pendingReplies.put(correlationId, emitter);
            send(inbox, request)
                    .subscribe()
                    .with(
                            receivers -> {
                                if (receivers == 0) {
                                    noResponder.increment();
                                    emitter.fail(new BusException(
                                            BusException.Reason.NO_RESPONDER, null, "no replica listens on " + inbox));
                                }
                            },
                            emitter::fail);
        });
        return reply.ifNoItem()
                .after(timeout)
                .failWith(() -> {
                    timedOut.increment();
                    return new BusException(
                            BusException.Reason.TIMED_OUT,
                            null,
                            type + " request to " + inbox + " got no reply within " + timeout.toMillis() + " ms");
                })
                .onTermination()
                .invoke(() -> pendingReplies.remove(correlationId))
                .map(envelope -> parse(envelope, replyParser));
    }

    /**
     * Sends a one-way message to another replica's inbox. Messages told by this replica reach a receiver in the
     * order of the calls that told them (one Redis connection carries them all); the call publishes before it
     * returns, and the answer says only whether Redis delivered it. Fails at once while that connection is down.
     */
    public <T extends MessageLite> Uni<Void> tell(String inbox, Topic.Tell<T> topic, T payload) {
        RedisConnection connection = orderedPublisher;
        if (connection == null) {
            return Uni.createFrom()
                    .failure(new BusException(BusException.Reason.UNREACHABLE, null, "not connected to Redis"));
        }
        Envelope envelope = envelope(Kind.EVENT, topic.type(), payload).build();
        Request publish = Request.cmd(Command.PUBLISH).arg(inbox).arg(Buffer.buffer(envelope.toByteArray()));
        // Subscribed here, not by the caller: the write is queued on the connection now, in call order.
        Uni<Long> delivered = connection
                .send(publish)
                .map(Response::toLong)
                .invoke(() -> sent.increment())
                .memoize()
                .indefinitely();
        delivered.subscribe().with(ok -> {}, e -> {});
        return delivered
                .onFailure()
                .transform(e -> new BusException(
                        BusException.Reason.UNREACHABLE, null, "cannot publish to Redis: " + e.getMessage()))
                .chain(receivers -> receivers == 0
                        ? Uni.createFrom()
                                .failure(new BusException(
                                        BusException.Reason.NO_RESPONDER, null, "no replica listens on " + inbox))
                        : Uni.createFrom().voidItem());
    }

    /** Handles the messages of one topic {@linkplain #tell told} to this replica; runs on the event loop. */
    public <T extends MessageLite> void onTold(Topic.Tell<T> topic, Consumer<? super T> handler) {
        inboxHandlers.put(topic.type(), envelope -> {
            T message = parsed(envelope, topic.parser());
            if (message != null) {
                handler.accept(message);
            }
        });
    }

    /** Serves the requests of one topic that reach this replica's inbox. */
    public <Q extends MessageLite, R extends MessageLite> void onRequest(
            Topic.Request<Q, R> topic, RequestHandler<Q, R> handler) {
        requestHandlers.put(topic.type(), envelope -> {
            Q request = parsed(envelope, topic.parser());
            if (request == null) {
                return Uni.createFrom()
                        .failure(new BusException(
                                BusException.Reason.REMOTE_FAILURE,
                                BusException.MALFORMED,
                                "the payload of " + envelope.getType() + " is malformed"));
            }
            Optional<Instant> deadline = envelope.getDeadlineEpochMs() > 0
                    ? Optional.of(Instant.ofEpochMilli(envelope.getDeadlineEpochMs()))
                    : Optional.empty();
            return handler.handle(request, deadline);
        });
    }

    /**
     * Handles every event of the topic published from now on; runs on the event loop, so it must not block. Events
     * of other topics on the same channel do not reach the handler.
     */
    public <T extends MessageLite> void onEvent(Topic.Event<T> topic, Consumer<? super T> handler) {
        String channel = eventChannel(topic.channel());
        boolean firstHandler = !eventHandlers.containsKey(channel);
        Map<String, EventHandlers<?>> byType =
                eventHandlers.computeIfAbsent(channel, ignored -> new ConcurrentHashMap<>());
        @SuppressWarnings("unchecked")
        EventHandlers<T> handlers =
                (EventHandlers<T>) byType.computeIfAbsent(topic.type(), ignored -> new EventHandlers<>(topic));
        handlers.add(handler);
        RedisConnection connection = subscriber;
        if (firstHandler && connection != null) {
            connection
                    .send(Request.cmd(Command.SUBSCRIBE).arg(channel))
                    .subscribe()
                    .with(ok -> {}, e -> Log.warnf("Could not subscribe to %s: %s", channel, e));
        }
    }

    /** Runs after every successful (re)subscription. */
    public void onConnected(Runnable listener) {
        connectedListeners.add(listener);
    }

    public boolean isConnected() {
        return subscriber != null;
    }

    /** Publishes a ready envelope; answers how many subscribers Redis delivered it to. */
    Uni<Long> send(String channel, Envelope envelope) {
        Request publish = Request.cmd(Command.PUBLISH).arg(channel).arg(Buffer.buffer(envelope.toByteArray()));
        return redis.send(publish)
                .map(Response::toLong)
                .invoke(() -> sent.increment())
                .onFailure()
                .transform(e -> new BusException(
                        BusException.Reason.UNREACHABLE, null, "cannot publish to Redis: " + e.getMessage()));
    }

    Envelope.Builder envelope(Kind kind, String type, MessageLite payload) {
        return envelope(kind, type, payload.toByteString());
    }

    private Envelope.Builder envelope(Kind kind, String type, ByteString payload) {
        String requestId = RequestIds.current();
        return Envelope.newBuilder()
                .setId(UUID.randomUUID().toString())
                .setKind(kind)
                .setType(type)
                .setSender(replicaId)
                .setRequestId(requestId == null ? "" : requestId)
                .setSentAtEpochMs(System.currentTimeMillis())
                .setPayload(payload);
    }

    void start(@Observes StartupEvent started) {
        connect();
        connectOrderedPublisher();
    }

    void stop(@Observes ShutdownEvent stopped) {
        stopping = true;
        for (RedisConnection connection : new RedisConnection[] {subscriber, orderedPublisher}) {
            if (connection != null) {
                connection.closeAndForget();
            }
        }
    }

    private void connectOrderedPublisher() {
        redis.connect()
                .subscribe()
                .with(
                        connection -> {
                            connection.endHandler(() -> {
                                orderedPublisher = null;
                                if (!stopping) {
                                    vertx.setTimer(
                                            config.maxReconnectDelay().toMillis(), id -> connectOrderedPublisher());
                                }
                            });
                            connection.exceptionHandler(
                                    e -> Log.warnf("Bus publishing connection failed: %s", e.toString()));
                            orderedPublisher = connection;
                        },
                        e -> {
                            if (!stopping) {
                                vertx.setTimer(config.maxReconnectDelay().toMillis(), id -> connectOrderedPublisher());
                            }
                        });
    }

    private void connect() {
        redis.connect().subscribe().with(this::subscribeAll, this::retryLater);
    }

    private void subscribeAll(RedisConnection connection) {
        connection.handler(this::dispatch);
        connection.exceptionHandler(e -> Log.warnf("Bus connection to Redis failed: %s", e.toString()));
        connection.endHandler(() -> {
            // A connection that never finished subscribing is retried by the failure path below, not here.
            if (subscriber == connection) {
                subscriber = null;
                if (!stopping) {
                    Log.warn("Bus connection to Redis closed; subscribing again");
                    retryLater(null);
                }
            }
        });
        Request subscribe = Request.cmd(Command.SUBSCRIBE).arg(inbox());
        Set<String> channels = Set.copyOf(eventHandlers.keySet());
        channels.forEach(subscribe::arg);
        // Named, so that an operator can tell replicas apart in CLIENT LIST.
        Request name = Request.cmd(Command.CLIENT).arg("SETNAME").arg(replicaId);
        connection
                .send(name)
                .chain(() -> connection.send(subscribe))
                .subscribe()
                .with(
                        ok -> {
                            subscriber = connection;
                            // Handlers registered while this SUBSCRIBE was under way saw no subscriber and sent
                            // none of their own: their channels follow now (a second SUBSCRIBE of one is harmless).
                            Set<String> missed = new HashSet<>(eventHandlers.keySet());
                            missed.removeAll(channels);
                            if (!missed.isEmpty()) {
                                Request late = Request.cmd(Command.SUBSCRIBE);
                                missed.forEach(late::arg);
                                connection
                                        .send(late)
                                        .subscribe()
                                        .with(done -> {}, e -> Log.warnf("Could not subscribe to %s: %s", missed, e));
                            }
                            synchronized (this) {
                                reconnectAttempts = 0;
                            }
                            Log.infof("Bus connected as %s", replicaId);
                            connectedListeners.forEach(Runnable::run);
                        },
                        e -> {
                            connection.closeAndForget();
                            retryLater(e);
                        });
    }

    private void retryLater(Throwable cause) {
        if (stopping) {
            return;
        }
        long delay;
        synchronized (this) {
            long exponential = FIRST_RECONNECT_DELAY.toMillis() << Math.min(reconnectAttempts++, 10);
            long capped = Math.min(exponential, config.maxReconnectDelay().toMillis());
            delay = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        }
        if (cause != null) {
            Log.warnf("Bus cannot reach Redis (%s); next attempt in %d ms", cause.toString(), delay);
        }
        vertx.setTimer(delay, id -> connect());
    }

    private void dispatch(Response message) {
        // RESP2 and RESP3 both deliver ["message", channel, payload]; subscription confirmations are skipped.
        if (message.size() < 3 || !"message".equals(message.get(0).toString())) {
            return;
        }
        String channel = message.get(1).toString();
        Envelope envelope;
        try {
            envelope = Envelope.parseFrom(message.get(2).toBytes());
        } catch (InvalidProtocolBufferException e) {
            Log.warnf("Dropped a message on %s that is not a bus envelope", channel);
            return;
        }
        received.increment();
        if (seenIds.asMap().putIfAbsent(envelope.getId(), Boolean.TRUE) != null) {
            duplicates.increment();
            return;
        }
        switch (envelope.getKind()) {
            case REPLY -> complete(envelope);
            case REQUEST -> serve(envelope);
            case EVENT -> {
                if (channel.equals(inbox())) {
                    Consumer<Envelope> handler = inboxHandlers.get(envelope.getType());
                    if (handler != null) {
                        handleEvent(handler, envelope);
                    }
                } else {
                    EventHandlers<?> handlers =
                            eventHandlers.getOrDefault(channel, Map.of()).get(envelope.getType());
                    if (handlers != null) {
                        handlers.dispatch(envelope);
                    }
                }
            }
            default ->
                Log.warnf("Dropped bus message %s of unknown kind from %s", envelope.getId(), envelope.getSender());
        }
    }

    /** The payload parsed, or null when it does not parse: then it is logged and counted here, once. */
    private <T> T parsed(Envelope envelope, Parser<T> parser) {
        try {
            return parser.parseFrom(envelope.getPayload());
        } catch (InvalidProtocolBufferException e) {
            malformed.increment();
            Log.warnf(
                    "Dropped bus message %s of type %s from %s: its payload is malformed [req=%s]",
                    envelope.getId(), envelope.getType(), envelope.getSender(), envelope.getRequestId());
            return null;
        }
    }

    /** The handlers of one event topic on this replica. */
    private final class EventHandlers<T extends MessageLite> {
        private final Topic.Event<T> topic;
        private final List<Consumer<? super T>> handlers = new CopyOnWriteArrayList<>();

        EventHandlers(Topic.Event<T> topic) {
            this.topic = topic;
        }

        void add(Consumer<? super T> handler) {
            handlers.add(handler);
        }

        void dispatch(Envelope event) {
            T message = parsed(event, topic.parser());
            if (message != null) {
                handlers.forEach(handler -> handleEvent(() -> handler.accept(message), event));
            }
        }
    }

    /** Serves one request topic: the parsed request and, when the requester set one, its deadline. */
    @FunctionalInterface
    public interface RequestHandler<Q extends MessageLite, R extends MessageLite> {
        Uni<R> handle(Q request, Optional<Instant> deadline);
    }

    private void handleEvent(Consumer<Envelope> handler, Envelope event) {
        handleEvent(() -> handler.accept(event), event);
    }

    private void handleEvent(Runnable handler, Envelope event) {
        try {
            handler.run();
        } catch (RuntimeException e) {
            Log.errorf(
                    e, "Handler of %s event %s failed [req=%s]", event.getType(), event.getId(), event.getRequestId());
        }
    }

    private void complete(Envelope reply) {
        UniEmitter<? super Envelope> waiting = pendingReplies.remove(reply.getCorrelationId());
        if (waiting == null) {
            return; // the requester gave up already
        }
        if (reply.hasFailure()) {
            waiting.fail(new BusException(
                    BusException.Reason.REMOTE_FAILURE,
                    reply.getFailure().getCode(),
                    reply.getFailure().getMessage()));
        } else {
            waiting.complete(reply);
        }
    }

    private void serve(Envelope request) {
        if (request.getDeadlineEpochMs() > 0 && request.getDeadlineEpochMs() < System.currentTimeMillis()) {
            return; // nobody waits for the answer any more
        }
        var handler = requestHandlers.get(request.getType());
        Uni<? extends MessageLite> answer = handler == null
                ? Uni.createFrom()
                        .failure(new BusException(
                                BusException.Reason.REMOTE_FAILURE,
                                BusException.NO_HANDLER,
                                replicaId + " does not serve " + request.getType()))
                : Uni.createFrom().deferred(() -> handler.apply(request));
        answer.subscribe()
                .with(
                        payload -> reply(request, envelope(Kind.REPLY, request.getType(), payload)),
                        failure -> reply(request, failureReply(request, failure)));
    }

    private Envelope.Builder failureReply(Envelope request, Throwable failure) {
        String code = failure instanceof BusException bus && bus.remoteCode() != null
                ? bus.remoteCode()
                : BusException.HANDLER_FAILED;
        if (!(failure instanceof BusException)) {
            Log.errorf(
                    failure,
                    "Handler of %s request %s failed [req=%s]",
                    request.getType(),
                    request.getId(),
                    request.getRequestId());
        }
        return envelope(Kind.REPLY, request.getType(), ByteString.EMPTY)
                .setFailure(Failure.newBuilder().setCode(code).setMessage(String.valueOf(failure.getMessage())));
    }

    private void reply(Envelope request, Envelope.Builder reply) {
        reply.setCorrelationId(request.getCorrelationId()).setRequestId(request.getRequestId());
        send(request.getReplyTo(), reply.build())
                .subscribe()
                .with(ok -> {}, e -> Log.warnf("Could not reply to %s: %s", request.getReplyTo(), e.getMessage()));
    }

    private String eventChannel(String name) {
        return channelPrefix + "event:" + name;
    }

    private <T> T parse(Envelope envelope, Parser<T> parser) {
        try {
            return parser.parseFrom(envelope.getPayload());
        } catch (InvalidProtocolBufferException e) {
            malformed.increment();
            throw new BusException(
                    BusException.Reason.REMOTE_FAILURE,
                    "malformed_reply",
                    "the reply to " + envelope.getType() + " is malformed");
        }
    }

    private static Counter counter(MeterRegistry meters, String name, String description) {
        return Counter.builder(name).description(description).register(meters);
    }
}

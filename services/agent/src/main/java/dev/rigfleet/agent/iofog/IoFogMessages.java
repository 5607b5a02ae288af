package dev.rigfleet.agent.iofog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.ServiceSpec;
import dev.rigfleet.agent.config.AgentConfig;
import io.quarkus.logging.Log;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Messages between the apps of one device, as the ioFog agent routes them: an app publishes ({@code POST
 * /v2/messages/new} or a {@code 0x0D} frame on its message socket), and the message goes to the services its release
 * routes it to — pushed over their message socket when one is open (re-sent until acknowledged, {@link
 * MessageSocket}), else kept for {@code /v2/messages/next}. Storage
 * is bounded: each receiver keeps its newest {@value #QUEUE_LIMIT} undelivered messages and the device its newest
 * {@value #HISTORY_LIMIT} for {@code /v2/messages/query}; past that the oldest go, counted.
 */
@ApplicationScoped
public class IoFogMessages {

    static final int QUEUE_LIMIT = 1000;
    static final int HISTORY_LIMIT = 10_000;
    static final byte OP_MESSAGE = 0x0D;
    static final byte OP_RECEIPT = 0x0E;
    static final byte OP_ACK = 0x0B;
    /** Rounds of re-sending an unacknowledged message after the first send: ten sends in all, as the reference. */
    static final int MAX_RESENDS = 9;

    /** A published message and who it went to. */
    private record Delivered(IoMessage message, Set<String> receivers) {}

    private final DeviceApps apps;
    private final Map<String, Deque<IoMessage>> queues = new ConcurrentHashMap<>();
    private final Deque<Delivered> history = new ArrayDeque<>();
    private final Map<String, MessageSocket> sockets = new ConcurrentHashMap<>();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    private final long resendMillis;

    public IoFogMessages(DeviceApps apps, AgentConfig config) {
        this.apps = apps;
        this.resendMillis = config.iofogResendInterval().toMillis();
    }

    void install(Router router) {
        router.post("/v2/messages/new").handler(IoFogServer.json(this::publishRest));
        router.post("/v2/messages/next").handler(IoFogServer.json(this::next));
        router.post("/v2/messages/query").handler(IoFogServer.json(this::query));
    }

    /** Messages published since the agent started. */
    public long processed() {
        return processed.get();
    }

    /** Messages dropped because a receiver's queue or the history was full. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * An app's message socket; the newest one per app wins. An id that is not a running service's: 404. What waited
     * for the app goes out on it at once, and so does what a closed socket of the app left unacknowledged.
     */
    void accept(String appId, ServerWebSocket socket, Vertx vertx) {
        if (!IoFogServer.runs(apps, appId)) {
            socket.reject(404);
            return;
        }
        PingAnswers.install(socket);
        MessageSocket opened =
                new MessageSocket(vertx, socket, resendMillis, MAX_RESENDS, left -> handBack(appId, left));
        MessageSocket previous = sockets.put(appId, opened);
        if (previous != null) {
            previous.socket().close((short) 1001, "a newer message socket took over");
        }
        socket.binaryMessageHandler(frame -> fromSocket(appId, opened, frame));
        socket.closeHandler(closed -> {
            sockets.remove(appId, opened);
            handBack(appId, opened.closed());
        });
        Deque<IoMessage> waiting = queues.remove(appId);
        if (waiting != null) {
            synchronized (waiting) {
                waiting.forEach(opened::deliver);
            }
        }
    }

    /** Messages a socket could not deliver: to the app's newer socket if it has one, else to wait for it. */
    private void handBack(String appId, List<IoMessage> undelivered) {
        undelivered.forEach(message -> {
            MessageSocket current = sockets.get(appId);
            if (current != null) {
                current.deliver(message);
            } else {
                enqueue(appId, message);
            }
        });
    }

    /** A frame from the app: an acknowledgement, or a message to publish; anything else is dropped. */
    private void fromSocket(String appId, MessageSocket socket, Buffer frame) {
        if (frame.length() >= 1 && frame.getByte(0) == OP_ACK) {
            socket.acknowledged();
            return;
        }
        if (frame.length() < 5 || frame.getByte(0) != OP_MESSAGE) {
            return;
        }
        IoMessage published;
        try {
            int length = frame.getInt(1);
            published = publish(appId, IoMessage.fromBytes(frame.getBytes(5, 5 + length)));
        } catch (RuntimeException e) {
            // As the reference agent does: a message that does not parse is dropped and the socket stays open.
            Log.debugf("Dropped a malformed message frame from %s: %s", appId, e.getMessage());
            return;
        }
        socket.receipt(published);
    }

    private void publishRest(RoutingContext request, JsonNode body) {
        String publisher = body.path("publisher").asText("");
        IoMessage published;
        try {
            published = publish(publisher, IoMessage.fromJson(body));
        } catch (IllegalArgumentException e) {
            IoFogAnswers.error(request, 400, e.getMessage());
            return;
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("status", "okay");
        answer.put("timestamp", timestampFor(request.request(), published.timestamp()));
        answer.put("id", published.id());
        IoFogAnswers.json(request, 200, answer);
    }

    /**
     * The timestamp as the reference agent answers it, a JSON number, which the Node, Python and Go SDKs take. The
     * Java SDK alone reads it with {@code getString}, which fails on a number (it does against the reference too), so
     * it gets the digits as a string. It is told apart by what its Netty client sends: neither a {@code User-Agent}
     * nor an {@code Accept} header, where Node's request sends {@code Accept}, Python's urllib and Go their
     * {@code User-Agent}, and curl both.
     */
    static Object timestampFor(HttpServerRequest request, long timestamp) {
        boolean javaSdk = request.getHeader("User-Agent") == null && request.getHeader("Accept") == null;
        return javaSdk ? Long.toString(timestamp) : timestamp;
    }

    /** Stamps the message and hands it to the services the publisher's routes name. */
    IoMessage publish(String publisher, IoMessage message) {
        List<ServiceSpec> services = apps.current().services();
        ServiceSpec from = services.stream()
                .filter(service -> service.uuid().equals(publisher))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no microservice " + publisher + " runs here"));
        IoMessage published =
                message.published(UUID.randomUUID().toString().replace("-", ""), System.currentTimeMillis(), publisher);
        Set<String> receivers = services.stream()
                .filter(service -> from.routes().contains(service.name()))
                .map(ServiceSpec::uuid)
                .collect(Collectors.toSet());
        synchronized (history) {
            history.addLast(new Delivered(published, receivers));
            if (history.size() > HISTORY_LIMIT) {
                history.removeFirst();
            }
        }
        for (String receiver : receivers) {
            MessageSocket socket = sockets.get(receiver);
            if (socket != null) {
                socket.deliver(published);
            } else {
                enqueue(receiver, published);
            }
        }
        processed.incrementAndGet();
        return published;
    }

    private void enqueue(String receiver, IoMessage message) {
        Deque<IoMessage> queue = queues.computeIfAbsent(receiver, ignored -> new ArrayDeque<>());
        synchronized (queue) {
            queue.addLast(message);
            if (queue.size() > QUEUE_LIMIT) {
                queue.removeFirst();
                dropped.incrementAndGet();
            }
        }
    }

    private void next(RoutingContext request, JsonNode body) {
        String id = body.path("id").asText("");
        if (id.isEmpty()) {
            IoFogAnswers.error(request, 400, "id is missing");
            return;
        }
        List<IoMessage> messages = new ArrayList<>();
        Deque<IoMessage> queue = queues.get(id);
        if (queue != null) {
            synchronized (queue) {
                messages.addAll(queue);
                queue.clear();
            }
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("status", "okay");
        answer.put("count", messages.size());
        ArrayNode list = answer.putArray("messages");
        messages.forEach(message -> list.add(message.toJson()));
        IoFogAnswers.json(request, 200, answer);
    }

    /** Messages to {@code id} from {@code publishers} within the time frame (publishers as an array or "[a, b]"). */
    private void query(RoutingContext request, JsonNode body) {
        String id = body.path("id").asText("");
        JsonNode start = body.path("timeframestart");
        JsonNode end = body.path("timeframeend");
        if (id.isEmpty()
                || !start.asText().matches("\\d{1,19}")
                || !end.asText().matches("\\d{1,19}")) {
            IoFogAnswers.error(request, 400, "id, timeframestart and timeframeend (ms since the epoch) are needed");
            return;
        }
        if (!body.hasNonNull("publishers")) {
            IoFogAnswers.error(request, 400, "publishers is missing");
            return;
        }
        Set<String> publishers = publishers(body.path("publishers"));
        long from = start.asLong();
        long to = end.asLong();
        List<IoMessage> found;
        synchronized (history) {
            found = history.stream()
                    .filter(delivered -> delivered.receivers().contains(id))
                    .map(Delivered::message)
                    .filter(message -> publishers.contains(message.publisher()))
                    .filter(message -> message.timestamp() >= from && message.timestamp() <= to)
                    .toList();
        }
        ObjectNode answer = JsonNodeFactory.instance.objectNode();
        answer.put("status", "okay");
        answer.put("count", found.size());
        answer.put("timeframestart", from);
        answer.put(
                "timeframeend",
                found.isEmpty() ? to : found.get(found.size() - 1).timestamp());
        ArrayNode list = answer.putArray("messages");
        found.forEach(message -> list.add(message.toJson()));
        IoFogAnswers.json(request, 200, answer);
    }

    private static Set<String> publishers(JsonNode given) {
        if (given.isArray()) {
            Set<String> names = new java.util.HashSet<>();
            given.forEach(name -> names.add(name.asText()));
            return names;
        }
        // The Java SDK sends a set's toString(): "[a, b]".
        return Arrays.stream(given.asText("").replaceAll("^\\[|]$", "").split(","))
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .collect(Collectors.toSet());
    }
}

package dev.rigfleet.agent.iofog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rigfleet.agent.apps.DeviceApps;
import dev.rigfleet.agent.apps.ServiceSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
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
 * routes it to — pushed over their message socket when one is open, else kept for {@code /v2/messages/next}. Storage
 * is bounded: each receiver keeps its newest {@value #QUEUE_LIMIT} undelivered messages and the device its newest
 * {@value #HISTORY_LIMIT} for {@code /v2/messages/query}; past that the oldest go, counted.
 */
@ApplicationScoped
public class IoFogMessages {

    static final int QUEUE_LIMIT = 1000;
    static final int HISTORY_LIMIT = 10_000;
    static final byte OP_MESSAGE = 0x0D;
    static final byte OP_RECEIPT = 0x0E;
    /** Receipt timestamps take 6 bytes: the Node SDK reads no more, and 6 last until the year 10889. */
    private static final int RECEIPT_TIMESTAMP_BYTES = 6;

    /** A published message and who it went to. */
    private record Delivered(IoMessage message, Set<String> receivers) {}

    private final DeviceApps apps;
    private final Map<String, Deque<IoMessage>> queues = new ConcurrentHashMap<>();
    private final Deque<Delivered> history = new ArrayDeque<>();
    private final Map<String, ServerWebSocket> sockets = new ConcurrentHashMap<>();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    public IoFogMessages(DeviceApps apps) {
        this.apps = apps;
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

    /** An app's message socket; the newest one per app wins. An id that is not a running service's: 404. */
    void accept(String appId, ServerWebSocket socket) {
        if (!IoFogServer.runs(apps, appId)) {
            socket.reject(404);
            return;
        }
        ServerWebSocket previous = sockets.put(appId, socket);
        if (previous != null && previous != socket) {
            previous.close((short) 1001, "a newer message socket took over");
        }
        socket.binaryMessageHandler(frame -> fromSocket(appId, socket, frame));
        socket.closeHandler(closed -> sockets.remove(appId, socket));
        // Messages queued while the app had no socket go out now.
        Deque<IoMessage> waiting = queues.remove(appId);
        if (waiting != null) {
            synchronized (waiting) {
                waiting.forEach(message -> push(socket, message));
            }
        }
    }

    private void fromSocket(String appId, ServerWebSocket socket, Buffer frame) {
        if (frame.length() == 0 || frame.getByte(0) != OP_MESSAGE) {
            return; // 0x0B acknowledgements need nothing: delivery over a socket is at most once
        }
        IoMessage published;
        try {
            int length = frame.getInt(1);
            published = publish(appId, IoMessage.fromBytes(frame.getBytes(5, 5 + length)));
        } catch (RuntimeException e) {
            socket.close((short) 1007, "not a message frame: " + e.getMessage());
            return;
        }
        byte[] id = published.id().getBytes(StandardCharsets.UTF_8);
        ByteBuffer receipt = ByteBuffer.allocate(3 + id.length + RECEIPT_TIMESTAMP_BYTES);
        receipt.put(OP_RECEIPT)
                .put((byte) id.length)
                .put((byte) RECEIPT_TIMESTAMP_BYTES)
                .put(id);
        byte[] timestamp = ByteBuffer.allocate(8).putLong(published.timestamp()).array();
        receipt.put(Arrays.copyOfRange(timestamp, 8 - RECEIPT_TIMESTAMP_BYTES, 8));
        socket.writeBinaryMessage(Buffer.buffer(receipt.array()));
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
        // The timestamp as a string: the Java SDK reads it so, the Node SDK passes it through.
        IoFogAnswers.json(
                request,
                200,
                Map.of("status", "okay", "id", published.id(), "timestamp", Long.toString(published.timestamp())));
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
            ServerWebSocket socket = sockets.get(receiver);
            if (socket != null) {
                push(socket, published);
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

    private static void push(ServerWebSocket socket, IoMessage message) {
        byte[] bytes = message.toBytes();
        Buffer frame = Buffer.buffer(5 + bytes.length)
                .appendByte(OP_MESSAGE)
                .appendInt(bytes.length)
                .appendBytes(bytes);
        socket.writeBinaryMessage(frame);
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

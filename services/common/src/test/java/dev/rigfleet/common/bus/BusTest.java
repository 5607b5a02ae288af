package dev.rigfleet.common.bus;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.StringValue;
import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.common.testing.RigfleetTestResource;
import dev.rigfleet.proto.bus.Envelope;
import dev.rigfleet.proto.bus.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
class BusTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Bus bus;

    @Inject
    BusReplicas replicas;

    @Inject
    RedisNamespace namespace;

    @Inject
    MeterRegistry meters;

    /** A second replica in the same JVM, with its own inbox. */
    private Bus otherReplica;

    @BeforeEach
    void startOtherReplica() {
        otherReplica = replicas.start("other");
        await().atMost(WAIT).until(otherReplica::isConnected);
        await().atMost(WAIT).until(bus::isConnected);
    }

    @AfterEach
    void stopOtherReplica() {
        BusReplicas.stop(otherReplica);
    }

    private static Topic.Request<StringValue, StringValue> request(String type) {
        return new Topic.Request<>(type, StringValue.parser(), StringValue.parser());
    }

    private static Topic.Event<StringValue> greetings(String channel) {
        return new Topic.Event<>(channel, "greeting", StringValue.parser());
    }

    @Test
    void requestGetsTheReplyOfTheAddressedReplica() {
        otherReplica.onRequest(
                request("echo"),
                (request, deadline) -> Uni.createFrom()
                        .item(StringValue.of("echo: " + request.getValue() + " from " + otherReplica.replicaId()
                                + (deadline.isPresent() ? " in time" : ""))));

        String reply = bus.request(otherReplica.inbox(), request("echo"), StringValue.of("hello"), WAIT)
                .await()
                .atMost(WAIT)
                .getValue();

        assertEquals("echo: hello from " + otherReplica.replicaId() + " in time", reply);
    }

    @Test
    void requestNobodyAnswersTimesOut() {
        otherReplica.onRequest(
                request("silent"), (request, deadline) -> Uni.createFrom().nothing());
        double before = counter("rigfleet.bus.timeouts");

        BusException failure = assertThrows(
                BusException.class,
                () -> bus.request(otherReplica.inbox(), request("silent"), StringValue.of("?"), Duration.ofMillis(300))
                        .await()
                        .atMost(WAIT));

        assertEquals(BusException.Reason.TIMED_OUT, failure.reason());
        assertEquals(before + 1, counter("rigfleet.bus.timeouts"));
    }

    @Test
    void requestToAReplicaThatIsGoneFailsAtOnce() {
        BusException failure = assertThrows(
                BusException.class,
                () -> bus.request(
                                bus.inboxOf("gone-" + UUID.randomUUID()),
                                request("echo"),
                                StringValue.of("?"),
                                Duration.ofSeconds(30))
                        .await()
                        .atMost(WAIT));

        assertEquals(BusException.Reason.NO_RESPONDER, failure.reason());
    }

    @Test
    void failingHandlerAndUnknownTypeComeBackAsRemoteFailures() {
        otherReplica.onRequest(
                request("broken"), (request, deadline) -> Uni.createFrom().failure(new IllegalStateException("boom")));

        BusException broken = assertThrows(
                BusException.class,
                () -> bus.request(otherReplica.inbox(), request("broken"), StringValue.of("?"), WAIT)
                        .await()
                        .atMost(WAIT));
        BusException unknown = assertThrows(
                BusException.class,
                () -> bus.request(otherReplica.inbox(), request("no-such-type"), StringValue.of("?"), WAIT)
                        .await()
                        .atMost(WAIT));

        assertEquals("handler_failed", broken.remoteCode());
        assertEquals("no_handler", unknown.remoteCode());
    }

    @Test
    void eventsReachEverySubscriberOnce() {
        String channel = "test-" + UUID.randomUUID();
        List<String> seenHere = new CopyOnWriteArrayList<>();
        List<String> seenThere = new CopyOnWriteArrayList<>();
        bus.onEvent(greetings(channel), event -> seenHere.add(event.getValue()));
        otherReplica.onEvent(greetings(channel), event -> seenThere.add(event.getValue()));

        await().atMost(WAIT).untilAsserted(() -> {
            bus.publish(greetings(channel), StringValue.of("hi")).await().atMost(WAIT);
            assertTrue(!seenHere.isEmpty() && !seenThere.isEmpty());
        });
        assertTrue(seenHere.stream().allMatch("hi"::equals));
    }

    @Test
    void duplicateMessageIsHandledOnce() {
        String channel = "dup-" + UUID.randomUUID();
        AtomicInteger handled = new AtomicInteger();
        otherReplica.onEvent(greetings(channel), event -> handled.incrementAndGet());
        String fullChannel = namespace.keyPrefix() + "bus:event:" + channel;
        await().atMost(WAIT)
                .until(() -> bus.send(fullChannel, event("warm-up")).await().atMost(WAIT) > 0);
        await().atMost(WAIT).until(() -> handled.get() == 1);
        double duplicatesBefore = counter("rigfleet.bus.duplicates");

        Envelope once = event("twice");
        bus.send(fullChannel, once).await().atMost(WAIT);
        bus.send(fullChannel, once).await().atMost(WAIT);

        await().atMost(WAIT).until(() -> counter("rigfleet.bus.duplicates") > duplicatesBefore);
        assertEquals(2, handled.get());
    }

    @Test
    void aMalformedPayloadIsDroppedAndCountedOnceWhileOtherTopicsOfTheChannelAreNotHandled() {
        String channel = "malformed-" + UUID.randomUUID();
        List<String> greetings = new CopyOnWriteArrayList<>();
        AtomicInteger others = new AtomicInteger();
        otherReplica.onEvent(greetings(channel), event -> greetings.add(event.getValue()));
        otherReplica.onEvent(greetings(channel), event -> greetings.add(event.getValue()));
        otherReplica.onEvent(
                new Topic.Event<>(channel, "farewell", StringValue.parser()), event -> others.incrementAndGet());
        String fullChannel = namespace.keyPrefix() + "bus:event:" + channel;
        await().atMost(WAIT)
                .until(() -> bus.send(fullChannel, event("warm-up")).await().atMost(WAIT) > 0);
        await().atMost(WAIT).until(() -> greetings.size() == 2);
        double malformedBefore = counter("rigfleet.bus.malformed");

        Envelope broken = event("ignored").toBuilder()
                .setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .build();
        bus.send(fullChannel, broken).await().atMost(WAIT);
        bus.send(fullChannel, event("after")).await().atMost(WAIT);

        await().atMost(WAIT).until(() -> greetings.size() == 4);
        assertEquals(List.of("warm-up", "warm-up", "after", "after"), greetings);
        assertEquals(malformedBefore + 1, counter("rigfleet.bus.malformed"));
        assertEquals(0, others.get());
    }

    @Test
    void aMalformedRequestGetsAMalformedFailureReply() {
        otherReplica.onRequest(
                request("strict"), (request, deadline) -> Uni.createFrom().item(StringValue.of("parsed")));
        Topic.Request<BytesValue, StringValue> sloppy =
                new Topic.Request<>("strict", BytesValue.parser(), StringValue.parser());

        BusException failure = assertThrows(
                BusException.class,
                () -> bus.request(
                                otherReplica.inbox(),
                                sloppy,
                                BytesValue.of(ByteString.copyFrom(new byte[] {(byte) 0xff})),
                                WAIT)
                        .await()
                        .atMost(WAIT));

        assertEquals("malformed", failure.remoteCode());
    }

    private Envelope event(String text) {
        return bus.envelope(Kind.EVENT, "greeting", StringValue.of(text)).build();
    }

    private double counter(String name) {
        return meters.get(name).counter().count();
    }
}

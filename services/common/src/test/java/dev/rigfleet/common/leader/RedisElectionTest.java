package dev.rigfleet.common.leader;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.rigfleet.common.leader.Candidates.Candidate;
import dev.rigfleet.common.redis.RedisNamespace;
import dev.rigfleet.common.testing.RigfleetTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two replicas electing over the real Redis, each with a connection of its own, as two processes have. */
@QuarkusTest
@WithTestResource(RigfleetTestResource.class)
class RedisElectionTest {

    @Inject
    Vertx vertx;

    @Inject
    RedisNamespace namespace;

    @Inject
    Leadership leadership;

    @ConfigProperty(name = "quarkus.redis.hosts")
    String redisUrl;

    private final Candidates candidates = new Candidates();
    private final List<Redis> connections = new ArrayList<>();

    @AfterEach
    void stopAll() {
        candidates.stopAll();
        connections.forEach(Redis::close);
    }

    @Test
    void exactlyOneOfTwoLeadsAndTheOtherTakesOverWhenItDies() {
        Candidates.Config config = Candidates.Config.of(LeadershipConfig.Backend.REDIS);
        List<Redis> own = List.of(connect(), connect());
        List<Candidate> replicas = own.stream()
                .map(redis -> candidates.add(new RedisElection(redis, vertx, namespace, config)))
                .toList();
        candidates.startAll();

        Candidate first = candidates.leader(Duration.ofSeconds(5));
        // Its process dies: no more renewals, nothing released.
        own.get(replicas.indexOf(first)).close();
        Candidate second = candidates.leaderAmong(candidates.others(first), Candidates.TERM.multipliedBy(3));

        assertFalse(first.leading.get(), "the dead one gave the role up when it could not renew");
        assertNotSame(first, second);
        assertEquals(List.of(), candidates.overlaps);
    }

    @Test
    void aReplicaThatStopsHandsOverWithoutWaitingForItsTerm() {
        Candidates.Config config = Candidates.Config.longTerm(LeadershipConfig.Backend.REDIS);
        candidates.add(new RedisElection(connect(), vertx, namespace, config));
        candidates.add(new RedisElection(connect(), vertx, namespace, config));
        candidates.startAll();
        Candidate first = candidates.leader(Duration.ofSeconds(5));

        first.election.stop();

        // Well within the 30 s term the stopped one would otherwise have held.
        candidates.leaderAmong(candidates.others(first), Duration.ofSeconds(5));
        assertFalse(first.leading.get());
        assertEquals(List.of(), candidates.overlaps);
    }

    @Test
    void thisServiceElectsUnderItsApplicationName() {
        // common-test's only replica leads once it has taken its key.
        await().atMost(Duration.ofSeconds(10)).until(leadership::leads);
        long keys = connect()
                .send(Request.cmd(Command.EXISTS).arg(namespace.keyPrefix() + "leader:common-test"))
                .await()
                .atMost(Duration.ofSeconds(5))
                .toLong();
        assertEquals(1, keys);
    }

    private Redis connect() {
        Redis redis = Redis.createClient(vertx, redisUrl);
        connections.add(redis);
        return redis;
    }
}

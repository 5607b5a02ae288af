package dev.rigfleet.common.leader;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** Replicas taking part in one election, each remembering whether it leads, and every moment two led at once. */
final class Candidates {

    /** A short term, so that a takeover after a death takes seconds; the shape of the services' 15 s and 5 s. */
    static final Duration TERM = Duration.ofMillis(1500);

    static final Duration RENEW_INTERVAL = Duration.ofMillis(300);

    record Config(
            LeadershipConfig.Backend backend,
            String name,
            Duration term,
            Duration renewInterval,
            Optional<String> namespace)
            implements LeadershipConfig {

        static Config of(LeadershipConfig.Backend backend) {
            return new Config(backend, "test-" + UUID.randomUUID(), TERM, RENEW_INTERVAL, Optional.of("rigfleet"));
        }

        /** A term far longer than the test: a hand-over that comes in time came by release, not by expiry. */
        static Config longTerm(LeadershipConfig.Backend backend) {
            return new Config(
                    backend,
                    "handover-" + UUID.randomUUID(),
                    Duration.ofSeconds(30),
                    RENEW_INTERVAL,
                    Optional.of("rigfleet"));
        }
    }

    /** One replica's side of the election. */
    final class Candidate {
        final String identity = "replica-" + UUID.randomUUID();
        final Election election;
        final AtomicBoolean leading = new AtomicBoolean();
        private volatile boolean dead;

        private Candidate(Election election) {
            this.election = election;
        }

        void start() {
            election.start(identity, now -> {
                if (dead) {
                    return;
                }
                if (now && all.stream().anyMatch(other -> other != this && other.leading.get())) {
                    overlaps.add(identity + " took the lead while another held it");
                }
                leading.set(now);
            });
        }

        /** The replica's process ends ({@code how}): whatever its election still says counts no more. */
        void die(Runnable how) {
            dead = true;
            leading.set(false);
            how.run();
        }
    }

    private final List<Candidate> all = new CopyOnWriteArrayList<>();
    final List<String> overlaps = new CopyOnWriteArrayList<>();

    Candidate add(Election election) {
        Candidate candidate = new Candidate(election);
        all.add(candidate);
        return candidate;
    }

    void startAll() {
        all.forEach(Candidate::start);
    }

    void stopAll() {
        all.forEach(c -> c.election.stop());
    }

    /** The one that leads among {@code among}, once exactly one of them does. */
    Candidate leaderAmong(List<Candidate> among, Duration within) {
        return await().atMost(within)
                .until(() -> among.stream().filter(c -> c.leading.get()).toList(), leading -> leading.size() == 1)
                .get(0);
    }

    Candidate leader(Duration within) {
        return leaderAmong(all, within);
    }

    List<Candidate> others(Candidate one) {
        return all.stream().filter(c -> c != one).toList();
    }
}

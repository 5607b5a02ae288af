package dev.rigfleet.common.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.rigfleet.common.leader.Candidates.Candidate;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas electing on a Lease. No Kubernetes API server runs here: this is Fabric8's mock server in CRUD mode,
 * which stores the Lease and answers its reads and updates as the API server does.
 */
@EnableKubernetesMockClient(crud = true)
class LeaseElectionTest {

    static KubernetesMockServer server;
    static KubernetesClient client;

    private final Candidates candidates = new Candidates();

    @AfterEach
    void stopAll() {
        candidates.stopAll();
    }

    @Test
    void exactlyOneOfTwoLeadsAndTheOtherTakesOverWhenItDies() {
        Candidates.Config config = Candidates.Config.of(LeadershipConfig.Backend.LEASE);
        // Each replica with a client of its own, so that one can die alone.
        List<KubernetesClient> own = List.of(server.createClient(), server.createClient());
        List<Candidate> replicas = own.stream()
                .map(replica -> candidates.add(new LeaseElection(replica, config)))
                .toList();
        candidates.startAll();

        Candidate first = candidates.leader(Duration.ofSeconds(10));
        Lease lease =
                client.leases().inNamespace("rigfleet").withName(config.name()).get();
        assertNotNull(lease);
        assertEquals(first.identity, lease.getSpec().getHolderIdentity());
        // Its process dies: its client is gone, nothing released.
        first.die(own.get(replicas.indexOf(first))::close);
        Candidate second = candidates.leaderAmong(candidates.others(first), Candidates.TERM.multipliedBy(4));

        assertEquals(
                second.identity,
                client.leases()
                        .inNamespace("rigfleet")
                        .withName(config.name())
                        .get()
                        .getSpec()
                        .getHolderIdentity());
        assertEquals(List.of(), candidates.overlaps);
    }

    @Test
    void aReplicaThatStopsReleasesTheLeaseForTheOther() {
        Candidates.Config config = Candidates.Config.longTerm(LeadershipConfig.Backend.LEASE);
        candidates.add(new LeaseElection(server.createClient(), config));
        candidates.add(new LeaseElection(server.createClient(), config));
        candidates.startAll();
        Candidate first = candidates.leader(Duration.ofSeconds(10));

        first.election.stop();

        // Well within the 30 s term it would otherwise have held.
        Candidate next = candidates.leaderAmong(candidates.others(first), Duration.ofSeconds(10));
        assertEquals(
                next.identity,
                client.leases()
                        .inNamespace("rigfleet")
                        .withName(config.name())
                        .get()
                        .getSpec()
                        .getHolderIdentity());
        assertEquals(List.of(), candidates.overlaps);
    }
}

package dev.rigfleet.instances.vpn;

import dev.rigfleet.instances.vpn.VpnRepository.Vpn;
import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Where instances' VPN servers run: as processes of this replica ({@link LocalVpnServers}), or as workloads of
 * the cluster ({@code cluster.VpnWorkloads}). {@link Vpns} decides what each VPN is; these run it. Every method but
 * {@link #place} blocks.
 */
public interface VpnServers {

    /** Where a new VPN's server is to run: the {@code replica} and {@code port} stored with it. */
    record Place(String replica, int port) {}

    /** Where clients connect to a running server: the {@code remote} of their .ovpn. */
    record Remote(String host, int port) {}

    /** What the server is made from, in {@link OpenVpnFiles}' terms. */
    record ServerFiles(String ca, VpnPki.Issued server, String staticKey, String crl) {}

    /** Why no VPN server can run now, or empty when one can. */
    Optional<String> unavailable();

    /** A place for the instance's new server; {@code attempt} counts up when the one before was taken. */
    Uni<Place> place(UUID instanceId, int attempt);

    /** Starts the VPN's server and waits until it serves. */
    Remote start(Vpn vpn, ServerFiles files) throws Exception;

    /**
     * The server takes {@code crl} (numbered {@code vpn.crlNumber()}) and drops the live sessions of {@code dropped};
     * nothing when this replica cannot reach it (another's process).
     */
    void enforce(Vpn vpn, String crl, List<String> dropped) throws Exception;

    /** The number of the CRL the instance's server runs with; empty when it runs nowhere this replica sees. */
    Optional<Long> appliedCrl(UUID instanceId);

    /** The instances whose servers this replica keeps in line with what is stored (its sweep). */
    Set<UUID> running();

    /** Whether the server is a process of this replica, which changes made on others reach by {@code vpn.changed}. */
    boolean runsHere(UUID instanceId);

    /** Stops the instance's server and removes what it was made of; nothing when there is none. */
    void stop(UUID instanceId);
}

package dev.rigfleet.instances.vpn;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** Instances' VPNs and their clients in SQL. */
@ApplicationScoped
public class VpnRepository {

    /** A VPN as stored; the keys sealed. */
    public record Vpn(
            UUID instanceId,
            String status,
            String network,
            String replica,
            int port,
            String caCertificate,
            String sealedCaKey,
            String sealedStaticKey,
            long crlNumber,
            /** Where clients connect, once the server runs; null before (and on rows from before it was stored). */
            VpnServers.Remote remote) {}

    /** A client's credentials as stored: never its private key, which is handed out once. */
    public record Client(UUID id, UUID instanceId, String commonName, BigInteger serial, Instant revokedAt) {}

    public static final String PREPARING = "preparing";
    public static final String READY = "ready";
    public static final String ENDED = "ended";

    private static final String UNIQUE_VIOLATION = "23505";
    private static final String COLUMNS = "instance_id, status, network, replica, port, ca_certificate, sealed_ca_key,"
            + " sealed_static_key, crl_number, remote_host, remote_port";

    private final Pool pool;

    public VpnRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores a new VPN; false when its network or port is another live VPN's (then try others). */
    public Uni<Boolean> insert(Vpn vpn) {
        return pool.preparedQuery("INSERT INTO vpns (instance_id, status, network, replica, port, ca_certificate,"
                        + " sealed_ca_key, sealed_static_key, crl_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.from(new Object[] {
                    vpn.instanceId(),
                    vpn.status(),
                    vpn.network(),
                    vpn.replica(),
                    vpn.port(),
                    vpn.caCertificate(),
                    vpn.sealedCaKey(),
                    vpn.sealedStaticKey(),
                    vpn.crlNumber()
                }))
                .map(rows -> true)
                .onFailure(e -> e instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState()))
                .recoverWithItem(false);
    }

    public Uni<Vpn> find(UUID instanceId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM vpns WHERE instance_id = $1")
                .execute(Tuple.of(instanceId))
                .map(rows -> {
                    var found = rows.iterator();
                    return found.hasNext() ? vpn(found.next()) : null;
                });
    }

    /** The networks and ports of live VPNs (this replica's ports only). */
    public Uni<List<String>> liveNetworks() {
        return pool.query("SELECT network FROM vpns WHERE status <> 'ended'")
                .execute()
                .map(rows -> stream(rows).map(row -> row.getString("network")).toList());
    }

    public Uni<List<Integer>> livePorts(String replica) {
        return pool.preparedQuery("SELECT port FROM vpns WHERE status <> 'ended' AND replica = $1")
                .execute(Tuple.of(replica))
                .map(rows -> stream(rows).map(row -> row.getInteger("port")).toList());
    }

    /** A preparing VPN's server serves, at {@code remote}. */
    public Uni<Void> ready(UUID instanceId, VpnServers.Remote remote) {
        return pool.preparedQuery("UPDATE vpns SET status = $2, remote_host = $3, remote_port = $4"
                        + " WHERE instance_id = $1 AND status = $5")
                .execute(Tuple.of(instanceId, READY, remote.host(), remote.port(), PREPARING))
                .replaceWithVoid();
    }

    /** Moves the VPN from {@code from} to {@code to}; false when it was not in {@code from}. */
    public Uni<Boolean> transition(UUID instanceId, String from, String to) {
        return pool.preparedQuery("UPDATE vpns SET status = $3 WHERE instance_id = $1 AND status = $2")
                .execute(Tuple.of(instanceId, from, to))
                .map(rows -> rows.rowCount() > 0);
    }

    public Uni<Void> insertClient(Client client) {
        return pool.preparedQuery(
                        "INSERT INTO vpn_clients (id, instance_id, common_name, serial) VALUES ($1, $2, $3, $4)")
                .execute(Tuple.of(
                        client.id(), client.instanceId(), client.commonName(), new BigDecimal(client.serial())))
                .replaceWithVoid();
    }

    public Uni<List<Client>> clients(UUID instanceId) {
        return pool.preparedQuery("SELECT id, instance_id, common_name, serial, revoked_at FROM vpn_clients"
                        + " WHERE instance_id = $1 ORDER BY created_at, id")
                .execute(Tuple.of(instanceId))
                .map(rows -> stream(rows).map(VpnRepository::client).toList());
    }

    /**
     * Revokes one client, or every client when {@code clientId} is null, and numbers the next CRL; answers that
     * number, or null when there was nothing to revoke.
     */
    public Uni<Long> revoke(UUID instanceId, UUID clientId) {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE vpn_clients SET revoked_at = clock_timestamp()"
                        + " WHERE instance_id = $1 AND ($2::uuid IS NULL OR id = $2) AND revoked_at IS NULL")
                .execute(Tuple.of(instanceId, clientId))
                .chain(revoked -> revoked.rowCount() == 0
                        ? Uni.createFrom().nullItem()
                        : tx.preparedQuery("UPDATE vpns SET crl_number = crl_number + 1 WHERE instance_id = $1"
                                        + " RETURNING crl_number")
                                .execute(Tuple.of(instanceId))
                                .map(rows -> rows.iterator().next().getLong("crl_number"))));
    }

    private static Vpn vpn(Row row) {
        return new Vpn(
                row.getUUID("instance_id"),
                row.getString("status"),
                row.getString("network"),
                row.getString("replica"),
                row.getInteger("port"),
                row.getString("ca_certificate"),
                row.getString("sealed_ca_key"),
                row.getString("sealed_static_key"),
                row.getLong("crl_number"),
                row.getString("remote_host") == null
                        ? null
                        : new VpnServers.Remote(row.getString("remote_host"), row.getInteger("remote_port")));
    }

    private static Client client(Row row) {
        return new Client(
                row.getUUID("id"),
                row.getUUID("instance_id"),
                row.getString("common_name"),
                row.getBigDecimal("serial").toBigInteger(),
                row.getOffsetDateTime("revoked_at") == null
                        ? null
                        : row.getOffsetDateTime("revoked_at").toInstant());
    }

    private static java.util.stream.Stream<Row> stream(RowSet<Row> rows) {
        return StreamSupport.stream(rows.spliterator(), false);
    }
}

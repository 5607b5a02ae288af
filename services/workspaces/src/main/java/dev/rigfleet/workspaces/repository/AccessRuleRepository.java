package dev.rigfleet.workspaces.repository;

import dev.rigfleet.workspaces.model.AccessRule;
import dev.rigfleet.workspaces.model.Capability;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;

/** Access rules, and the one definition of who may instantiate a deployment. */
@ApplicationScoped
public class AccessRuleRepository {

    private static final String COLUMNS = "id, deployment_id, username, capability, param, created_at";

    private final Pool pool;

    public AccessRuleRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * The rule, as SQL over the deployment {@code d} and a user (id, name): the owner always may; otherwise the user's
     * own rule decides (a grant beats a denial), then the rule for everyone, and with no rule anyone may.
     */
    static String mayInstantiate(String userId, String username) {
        String rule = "EXISTS (SELECT 1 FROM access_rules a WHERE a.deployment_id = d.id AND a.username = %s"
                + " AND a.capability = '%s')";
        String ownGrant = rule.formatted(username, Capability.CAP_INSTANTIATE);
        String ownDenial = rule.formatted(username, Capability.CAP_NO_INSTANTIATE);
        String allGrant = rule.formatted("'" + AccessRule.EVERYONE + "'", Capability.CAP_INSTANTIATE);
        String allDenial = rule.formatted("'" + AccessRule.EVERYONE + "'", Capability.CAP_NO_INSTANTIATE);
        return "(d.owner_id = " + userId + " OR " + ownGrant + " OR (NOT " + ownDenial + " AND (" + allGrant
                + " OR NOT " + allDenial + ")))";
    }

    /** Those of the deployments the user may instantiate. */
    public Uni<List<UUID>> instantiable(List<UUID> deployments, UUID userId, String username) {
        return pool.preparedQuery(
                        "SELECT d.id FROM deployments d WHERE d.id = ANY($1) AND " + mayInstantiate("$2", "$3"))
                .execute(Tuple.of(deployments.toArray(UUID[]::new), userId, username))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(row -> row.getUUID("id"))
                        .toList());
    }

    /**
     * Rules, all or of one deployment ({@code deploymentId} null: all), those naming {@code toUser} or everyone
     * ({@code toUser} null: all).
     */
    public Uni<List<AccessRule>> list(UUID deploymentId, String toUser) {
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE true");
        if (deploymentId != null) {
            params.add(deploymentId);
            where.append(" AND deployment_id = $").append(params.size());
        }
        if (toUser != null) {
            params.add(toUser);
            where.append(" AND (username = $").append(params.size()).append(" OR username = '*')");
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM access_rules" + where + " ORDER BY id")
                .execute(Tuple.from(params))
                .map(rows -> StreamSupport.stream(rows.spliterator(), false)
                        .map(AccessRuleRepository::map)
                        .toList());
    }

    /** The rule's id; the same rule twice is one rule. */
    public Uni<Long> create(UUID deploymentId, String username, Capability capability, Instant now) {
        return pool.preparedQuery("INSERT INTO access_rules (deployment_id, username, capability, created_at)"
                        + " VALUES ($1, $2, $3, $4) ON CONFLICT (deployment_id, username, capability)"
                        + " DO UPDATE SET capability = EXCLUDED.capability RETURNING id")
                .execute(Tuple.of(deploymentId, username, capability.name(), Rows.at(now)))
                .map(rows -> rows.iterator().next().getLong("id"));
    }

    /** Whether there was such a rule on the deployment. */
    public Uni<Boolean> delete(UUID deploymentId, long ruleId) {
        return pool.preparedQuery("DELETE FROM access_rules WHERE deployment_id = $1 AND id = $2")
                .execute(Tuple.of(deploymentId, ruleId))
                .map(rows -> rows.rowCount() > 0);
    }

    static AccessRule map(Row row) {
        Object param = row.getValue("param");
        return new AccessRule(
                row.getLong("id"),
                row.getUUID("deployment_id"),
                row.getString("username"),
                Capability.valueOf(row.getString("capability")),
                param instanceof JsonObject json ? json.getMap() : param,
                Rows.instant(row, "created_at"));
    }
}

package dev.rigfleet.workspaces.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

@ConfigMapping(prefix = "rigfleet.workspaces")
public interface WorkspacesConfig {

    /** Lifetime of a token whose request does not say ({@code expires_in}). */
    @WithDefault("P30D")
    Duration tokenTtl();

    /** The longest lifetime a token may ask for. */
    @WithDefault("P365D")
    Duration maxTokenTtl();

    /** bcrypt cost of password hashes; each step doubles the work of every login and of every guess. */
    @WithDefault("12")
    int bcryptCost();

    /** Queued reservations one user may have at once; one more is refused with 400. */
    @WithDefault("5")
    int maxReservations();

    /**
     * How long an allocation holds its deployment unless its holder (the instances service) renews it; a holder
     * that crashed frees the hardware when its lease runs out.
     */
    @WithDefault("PT5M")
    Duration lease();

    /**
     * How often each replica frees lapsed leases, ends timed-out reservations, promotes onto free deployments and
     * re-sends owed promotions (read by the scheduler, hence a string).
     */
    @WithDefault("5s")
    String sweepInterval();

    /** An admin created at start unless a user of that name exists, so that a new installation can be entered. */
    Optional<BootstrapAdmin> bootstrapAdmin();

    interface BootstrapAdmin {

        String username();

        String password();
    }
}

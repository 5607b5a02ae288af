package dev.rigfleet.common.leader;

import java.util.function.Consumer;

/** One way of holding the election: told when this replica starts and stops leading. */
interface Election {

    /** Starts taking part; {@code leading} hears {@code true} when this replica leads and {@code false} when not. */
    void start(String identity, Consumer<Boolean> leading);

    /** Stops taking part, giving the role up at once if this replica holds it, so that another need not wait. */
    void stop();
}

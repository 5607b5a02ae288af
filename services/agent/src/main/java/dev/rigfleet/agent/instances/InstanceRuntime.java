package dev.rigfleet.agent.instances;

import java.util.List;
import java.util.Optional;

/**
 * Where the device makes instances: an SSH server for one user at a time, reached by the platform through a stream
 * of the link to the instance (never a port opened to the network). Calls block; callers run them off the event
 * loop.
 */
public interface InstanceRuntime {

    /**
     * What the platform asks for: the instance's id, the public keys that may log in as {@code root}, and the
     * instance's own OpenVPN client configuration when it is on a VPN.
     */
    record InstanceSpec(String id, List<String> authorizedKeys, Optional<String> vpn) {}

    /**
     * A running instance: the address and port its SSH server listens on (the device's loopback, or the instance's own
     * network namespace) and that server's public host keys, the one paramiko prefers first.
     */
    record RunningInstance(String id, String host, int port, List<String> hostKeys) {}

    /** Makes the instance, or answers the running one of the same id (a command sent again). */
    RunningInstance start(InstanceSpec spec);

    /** Ends the instance and everything run in it; false when there was none of that id. */
    boolean stop(String id);

    List<RunningInstance> list();

    /** A rule of the instance's firewall chain, as the platform keeps it: an IPv4 source block and an action. */
    record Rule(String source, String action) {}

    /**
     * Applies the instance's chain on the device too, where the runtime can (false where it cannot: the platform's
     * tunnel enforces it in any case). Fails for an instance the runtime does not run.
     */
    boolean applyFirewall(String id, List<Rule> rules);

    /** The running instance of that id, if there is one. */
    Optional<RunningInstance> find(String id);

    /** Ends every instance that does not outlive the agent (the agent is stopping). */
    void agentStopping();
}

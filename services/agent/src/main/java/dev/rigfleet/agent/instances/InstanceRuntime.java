package dev.rigfleet.agent.instances;

import java.util.List;

/**
 * Where the device makes instances: an SSH server for one user at a time, reached by the platform through a TCP
 * port on the device's loopback interface (a stream of the link, never a port opened to the network). Calls block;
 * callers run them off the event loop.
 */
public interface InstanceRuntime {

    /** What the platform asks for: the instance's id and the public keys that may log in as {@code root}. */
    record InstanceSpec(String id, List<String> authorizedKeys) {}

    /** A running instance: the loopback port its SSH server listens on and that server's public host keys. */
    record RunningInstance(String id, int port, List<String> hostKeys) {}

    /** Makes the instance, or answers the running one of the same id (a command sent again). */
    RunningInstance start(InstanceSpec spec);

    /** Ends the instance and everything run in it; false when there was none of that id. */
    boolean stop(String id);

    List<RunningInstance> list();
}

package dev.rigfleet.agent.instances;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The local-process runtime against the contract; an agent running as root runs sessions as {@code nobody}. */
class LocalInstanceRuntimeTest implements InstanceRuntimeContract {

    private static final String AGENT_USER = System.getProperty("user.name");
    private static final String SESSION_USER = "root".equals(AGENT_USER) ? "nobody" : AGENT_USER;

    private final LocalInstanceRuntime runtime = new LocalInstanceRuntime(
            AGENT_USER, SESSION_USER, "root".equals(AGENT_USER) ? "/" : System.getProperty("user.home"));

    @Override
    public InstanceRuntime runtime() {
        return runtime;
    }

    @Override
    public String sessionUser() {
        return SESSION_USER;
    }

    @Test
    void anInstanceOnAVpnIsRefusedWithTheReasonAndNothingRuns() {
        IllegalArgumentException refused = assertThrows(
                IllegalArgumentException.class,
                () -> runtime.start(new InstanceRuntime.InstanceSpec(
                        UUID.randomUUID().toString(),
                        List.of("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq0WcBJW3vC9cN3qz9mC3mPK6Xw2N0GqL6m1VdGX7E0"),
                        Optional.of("client\nremote 192.0.2.1 11940\n"))));
        assertTrue(refused.getMessage().startsWith("this deployment cannot host a VPN"), refused.getMessage());
        assertTrue(runtime.list().isEmpty());
    }
}

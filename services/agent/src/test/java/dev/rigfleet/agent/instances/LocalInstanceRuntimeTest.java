package dev.rigfleet.agent.instances;

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
}

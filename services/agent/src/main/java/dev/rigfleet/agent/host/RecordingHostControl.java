package dev.rigfleet.agent.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Host control that never touches the machine: it records each request and logs what it would have done, so that
 * demos and tests can ask for reboots safely and see that they were asked for. The host name is kept in memory.
 */
public final class RecordingHostControl implements HostControl {

    private static final Logger LOG = Logger.getLogger(RecordingHostControl.class.getName());

    private final List<String> actions = new ArrayList<>();
    private String hostname;

    public RecordingHostControl(String initialHostname) {
        this.hostname = initialHostname;
    }

    @Override
    public void reboot() {
        record("reboot");
    }

    @Override
    public void shutdown() {
        record("shutdown");
    }

    @Override
    public void blink(Duration duration) {
        record("blink " + duration.toSeconds() + "s");
    }

    @Override
    public synchronized String hostname() {
        return hostname;
    }

    @Override
    public synchronized void setHostname(String hostname) {
        this.hostname = hostname;
        record("hostname " + hostname);
    }

    @Override
    public boolean acts() {
        return false;
    }

    /** What was asked, oldest first: e.g. {@code reboot}, {@code blink 15s}, {@code hostname lab-7}. */
    public synchronized List<String> actions() {
        return List.copyOf(actions);
    }

    private synchronized void record(String action) {
        actions.add(action);
        LOG.info("Host control is recording only (rigfleet.agent.host-control=recording): would " + action);
    }
}

package dev.rigfleet.agent.host;

import java.time.Duration;

/**
 * What the agent may do to the machine it runs on. Two implementations: {@link RecordingHostControl}, the default,
 * which only records and logs what it was asked, and {@link LinuxHostControl}, which acts and runs only when the
 * agent's configuration says {@code rigfleet.agent.host-control=linux}.
 */
public interface HostControl {

    void reboot();

    void shutdown();

    /** Blinks the device's identification LED, where it has one, for this long. */
    void blink(Duration duration);

    /** The host name the device has. */
    String hostname();

    /** Sets the device's host name; empty restores the default. */
    void setHostname(String hostname);

    /** Whether this implementation acts on the machine, rather than recording. */
    boolean acts();
}

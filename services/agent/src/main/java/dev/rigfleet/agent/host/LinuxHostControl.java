package dev.rigfleet.agent.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Host control that acts: {@code systemctl reboot}/{@code poweroff} (falling back to {@code reboot}/{@code poweroff}),
 * {@code /etc/hostname} with {@code hostname}, and an LED under {@code /sys/class/leds} when configured. Only built
 * when the agent's configuration enables it explicitly.
 */
public final class LinuxHostControl implements HostControl {

    private static final Logger LOG = Logger.getLogger(LinuxHostControl.class.getName());

    private final Path hostnameFile;
    private final Optional<Path> led;

    public LinuxHostControl(Path hostnameFile, Optional<Path> led) {
        this.hostnameFile = hostnameFile;
        this.led = led;
    }

    @Override
    public void reboot() {
        run(List.of("systemctl", "reboot"), List.of("reboot"));
    }

    @Override
    public void shutdown() {
        run(List.of("systemctl", "poweroff"), List.of("poweroff"));
    }

    @Override
    public void blink(Duration duration) {
        if (led.isEmpty()) {
            LOG.info("No LED configured (rigfleet.agent.led); nothing to blink");
            return;
        }
        Path trigger = led.get().resolve("trigger");
        try {
            String before =
                    Files.readString(trigger).replaceAll(".*\\[(\\S+)].*", "$1").trim();
            Files.writeString(trigger, "timer");
            Thread restore = new Thread(() -> {
                try {
                    Thread.sleep(duration.toMillis());
                    Files.writeString(trigger, before);
                } catch (IOException | InterruptedException e) {
                    LOG.warning("Could not restore LED trigger " + before + ": " + e.getMessage());
                }
            });
            restore.setDaemon(true);
            restore.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot blink " + led.get(), e);
        }
    }

    @Override
    public String hostname() {
        try {
            return Files.readString(hostnameFile).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void setHostname(String hostname) {
        try {
            Files.writeString(hostnameFile, hostname + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + hostnameFile, e);
        }
        run(List.of("hostname", hostname), List.of());
    }

    @Override
    public boolean acts() {
        return true;
    }

    private static void run(List<String> command, List<String> fallback) {
        try {
            Process process = new ProcessBuilder(command).inheritIO().start();
            if (process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0) {
                return;
            }
        } catch (IOException e) {
            LOG.warning(command + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!fallback.isEmpty()) {
            run(fallback, List.of());
        }
    }
}

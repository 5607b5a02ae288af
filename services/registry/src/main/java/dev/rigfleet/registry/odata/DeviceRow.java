package dev.rigfleet.registry.odata;

import dev.rigfleet.registry.model.Device;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A device as the OData API shows it: the stored row and whether the device link holds it now (null: unknown). */
public record DeviceRow(Device device, Boolean online) {

    /**
     * The lowest supervisor version at which balena-sdk sends the proxy routes rigfleet serves: below it, its
     * {@code restartApplication} calls balena's {@code POST /device/:id/restart}, which rigfleet does not serve.
     */
    static final String PROXY_SUPERVISOR_VERSION = "7.0.0";

    private static final Pattern SEMVER = Pattern.compile("(\\d{1,9})\\.(\\d{1,9})\\.(\\d{1,9})(?:[-+].*)?");

    Object reported(String key) {
        return device.reportedState == null ? null : device.reportedState.get(key);
    }

    /** balena's three states; "unknown" when presence cannot be read. */
    String heartbeatState() {
        if (online == null) {
            return "unknown";
        }
        return online ? "online" : "offline";
    }

    /**
     * What balena-sdk chooses its proxy routes by: the version the agent reported when it is a semver of at least
     * {@link #PROXY_SUPERVISOR_VERSION}, else that version, since the routes are the platform's, not the device's.
     */
    String supervisorVersion() {
        Object reported = reported("supervisor_version");
        if (reported instanceof String version) {
            Matcher semver = SEMVER.matcher(version);
            if (semver.matches() && Integer.parseInt(semver.group(1)) >= 7) {
                return version;
            }
        }
        return PROXY_SUPERVISOR_VERSION;
    }

    /** balena's form: the addresses separated by spaces. */
    String ipAddress() {
        Object reported = reported("ip_address");
        if (reported instanceof Collection<?> addresses) {
            return String.join(" ", addresses.stream().map(String::valueOf).toList());
        }
        return reported == null ? null : reported.toString();
    }
}

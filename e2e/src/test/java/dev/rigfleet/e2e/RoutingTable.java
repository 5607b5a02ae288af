package dev.rigfleet.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sample paths and where the entry must send each: the component that serves it, or {@link #REFUSED} for a path no
 * service may see (nginx answers it 404, or 400 for a malformed path). Run through the real nginx (EntryProxyIT) and through the chart's Ingress rules (ChartTest), so
 * that the two entries route alike. Each issue that adds public prefixes adds its samples here.
 */
public final class RoutingTable {

    public static final String REFUSED = "refused";

    private static final String AGENT = "/api/v2/workspaceagents/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10";

    /** Path → component, or {@link #REFUSED}. */
    public static final Map<String, String> SAMPLES = samples();

    private RoutingTable() {}

    private static Map<String, String> samples() {
        Map<String, String> samples = new LinkedHashMap<>();
        samples.put("/token", "workspaces");
        samples.put("/revoke/4d1566a1d7df42a8517456d60ea06ed284e535cfe4c956aa6ee172dbcdf945f7", "workspaces");
        samples.put("/purge", "workspaces");
        samples.put("/users", "workspaces");
        samples.put("/", "workspaces");
        samples.put("/workspaces", "workspaces");
        samples.put("/deployments", "workspaces");
        samples.put("/deployments/fixed_misty", "workspaces");
        samples.put("/deployment/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10", "workspaces");
        samples.put("/deployment/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10/rules", "workspaces");
        samples.put("/deployment/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10/rule/3", "workspaces");
        samples.put("/queuelen/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10", "workspaces");
        samples.put("/rules", "workspaces");
        samples.put("/reservations", "workspaces");
        samples.put("/reservation/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10", "workspaces");
        samples.put("/notifications", "workspaces");
        samples.put("/ci/new", "workspaces");
        samples.put("/ci/projects", "workspaces");
        samples.put("/ci/job/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10/log", "workspaces");
        samples.put("/ciX/new", REFUSED);
        samples.put("/user/v1/refresh-token", "workspaces");
        samples.put("/actor/v1/whoami", "workspaces");
        samples.put("/ui", "workspaces");
        samples.put("/ui/devices", "workspaces");
        samples.put("/ui/session", "workspaces");
        samples.put("/ui/vendor/@xterm/xterm/lib/xterm.js", "workspaces");
        samples.put("/uiX/devices", REFUSED);
        samples.put("/user/v2/refresh-token", REFUSED);
        samples.put("/user", REFUSED);
        samples.put("/index.html", REFUSED);
        samples.put("/deploymentsX", REFUSED);
        samples.put("/fleets", "registry");
        samples.put("/fleets/3/env", "registry");
        samples.put("/devices/c2c323de046fe4e7c4fd1df3cf0c1900/target-state", "registry");
        samples.put("/devices/c2c323de046fe4e7c4fd1df3cf0c1900/stats", "registry");
        samples.put("/supervisor/v1/reboot", "registry");
        samples.put("/supervisor-commands", "registry");
        samples.put("/provision", "registry");
        samples.put("/v7/device(uuid='c2c323de046fe4e7c4fd1df3cf0c1900')", "registry");
        samples.put("/v7/application(3)", "registry");
        samples.put("/v7X/device", REFUSED);
        samples.put("/v6/device", REFUSED);
        samples.put("/new/fixed_misty", "instances");
        samples.put("/terminate/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10", "instances");
        samples.put("/instances", "instances");
        samples.put("/instance/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10", "instances");
        samples.put("/firewall/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10", "instances");
        samples.put("/vpn/0b6a4c0e-2f4e-4b8e-9a43-1d6f2c9e7a10", "instances");
        samples.put("/api/v2/workspaceagents/me/coordinate", "coordinator");
        samples.put("/api/v2/workspaceagents/me/splice/c5829ebd5acbbd09320f6572f57ee743", "coordinator");
        samples.put(AGENT + "/pty", "coordinator");
        samples.put(AGENT + "/pty/", "coordinator");
        samples.put(AGENT + "/coordinate", "coordinator");
        samples.put(AGENT, "coordinator");
        samples.put("/internal/revocations", REFUSED);
        samples.put("/internal/devices/by-credential/00", REFUSED);
        samples.put("/internal/tunnels", REFUSED);
        samples.put("/q/metrics", REFUSED);
        samples.put("/q/health/ready", REFUSED);
        samples.put("/q/openapi", REFUSED);
        samples.put("/fleetsX", REFUSED);
        samples.put("/supervisorX", REFUSED);
        samples.put("/tokens", REFUSED);
        samples.put("/api/v2/users", REFUSED);
        // Path tricks that neither entry may route (nginx refuses more of them, with a 400, before routing).
        samples.put("/internal;/revocations", REFUSED);
        samples.put("//internal/revocations", REFUSED);
        samples.put("/%69nternal/revocations", REFUSED);
        samples.put("/q;/metrics", REFUSED);
        samples.put("/Fleets", REFUSED);
        return samples;
    }
}

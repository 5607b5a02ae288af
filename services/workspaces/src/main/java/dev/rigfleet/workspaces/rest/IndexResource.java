package dev.rigfleet.workspaces.rest;

import dev.rigfleet.common.http.RerobotsRoutes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /}: the summary of this version's commands, for API clients; no token needed. */
@Path("/")
@RerobotsRoutes
public class IndexResource {

    private static final Map<String, String> COMMANDS = commands();

    @GET
    public Map<String, String> index() {
        return COMMANDS;
    }

    private static Map<String, String> commands() {
        Map<String, String> commands = new LinkedHashMap<>();
        commands.put("workspace_types", "GET /workspaces");
        commands.put("workspace_deployments", "GET /deployments{/workspace_type}");
        commands.put("deployment_details", "GET /deployment/:deploymentID");
        commands.put("queue_length", "GET /queuelen/:deploymentID");
        commands.put("access_rules", "GET /rules, GET /deployment/:deploymentID/rules");
        commands.put("reservations", "GET /reservations, DELETE /reservation/:reservationID");
        commands.put("callbacks", "GET /notifications");
        commands.put("revoke_token", "POST /revoke/:SHA256-of-token");
        commands.put("purge_tokens", "POST /purge");
        return commands;
    }
}

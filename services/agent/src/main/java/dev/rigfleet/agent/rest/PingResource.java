package dev.rigfleet.agent.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** {@code GET /ping} of the supervisor API: answers {@code OK} to anyone on the device, no key needed. */
@Path("/ping")
public class PingResource {

    public static final String ANSWER = "OK";

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String ping() {
        return ANSWER;
    }
}

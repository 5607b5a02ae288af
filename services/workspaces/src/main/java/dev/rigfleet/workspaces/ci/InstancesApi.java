package dev.rigfleet.workspaces.ci;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/**
 * The instances service's public API as a CI job's owner uses it (REST client {@code instances}): a job asks for its
 * instance with a token of its owner's, so that it queues, counts and is seen like any instance of theirs. Called
 * from the runners' own threads, hence blocking; answers are read whatever their status.
 */
@RegisterRestClient(configKey = "instances")
@Produces(MediaType.APPLICATION_JSON)
public interface InstancesApi {

    @POST
    @Path("/new/{target}")
    @Consumes(MediaType.APPLICATION_JSON)
    Response create(
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @PathParam("target") String target,
            String body);

    @GET
    @Path("/instance/{id}")
    Response instance(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") String id);

    @POST
    @Path("/terminate/{id}")
    Response terminate(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") String id);
}

package dev.rigfleet.workspaces.ui;

import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.net.URI;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The dashboard's pages (docs/dashboard.md). Each is a server-rendered frame that names what it shows; the page's
 * script ({@code /ui/assets/app.js}) fills it from the same API that curl and the command line use, signed in by the
 * session cookie. So a page holds no data of its own and needs no sign-in to be served: what it may show is decided
 * by the API routes it calls, and signing in is what the sign-in page does.
 */
@Path("/ui")
@Produces(MediaType.TEXT_HTML)
public class UiPages {

    /** No inline script, nothing from elsewhere, never framed; xterm.js sets inline styles. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'"
            + " 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none';"
            + " form-action 'self'";

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance login();

        static native TemplateInstance devices();

        static native TemplateInstance device(String uuid);

        static native TemplateInstance deployments();

        static native TemplateInstance instances();

        static native TemplateInstance instance(String id);

        static native TemplateInstance reservations();

        static native TemplateInstance ci();

        static native TemplateInstance job(String id);

        static native TemplateInstance owner();
    }

    @GET
    @Operation(summary = "The dashboard: its first page is the fleets and devices")
    public RestResponse<Object> home() {
        return RestResponse.seeOther(URI.create("/ui/devices"));
    }

    @GET
    @Path("/login")
    @Operation(summary = "The dashboard's sign-in page")
    public RestResponse<TemplateInstance> login() {
        return page(Templates.login());
    }

    @GET
    @Path("/devices")
    @Operation(summary = "The dashboard: fleets and devices, their online state updated live")
    public RestResponse<TemplateInstance> devices() {
        return page(Templates.devices());
    }

    @GET
    @Path("/devices/{uuid}")
    @Operation(summary = "The dashboard: one device, its stats, commands and terminal")
    public RestResponse<TemplateInstance> device(@PathParam("uuid") String uuid) {
        return page(Templates.device(uuid));
    }

    @GET
    @Path("/deployments")
    @Operation(summary = "The dashboard: workspace types and deployments with their queues; new instances")
    public RestResponse<TemplateInstance> deployments() {
        return page(Templates.deployments());
    }

    @GET
    @Path("/instances")
    @Operation(summary = "The dashboard: the caller's instances")
    public RestResponse<TemplateInstance> instances() {
        return page(Templates.instances());
    }

    @GET
    @Path("/instances/{id}")
    @Operation(summary = "The dashboard: one instance, its progress, access, firewall and VPN")
    public RestResponse<TemplateInstance> instance(@PathParam("id") String id) {
        return page(Templates.instance(id));
    }

    @GET
    @Path("/reservations")
    @Operation(summary = "The dashboard: the caller's reservations and their place in the queue")
    public RestResponse<TemplateInstance> reservations() {
        return page(Templates.reservations());
    }

    @GET
    @Path("/ci")
    @Operation(summary = "The dashboard: CI jobs")
    public RestResponse<TemplateInstance> ci() {
        return page(Templates.ci());
    }

    @GET
    @Path("/ci/{id}")
    @Operation(summary = "The dashboard: one CI job, its live log and results")
    public RestResponse<TemplateInstance> job(@PathParam("id") String id) {
        return page(Templates.job(id));
    }

    @GET
    @Path("/owner")
    @Operation(summary = "The dashboard: what an owner runs: provisioning keys, deployments, holders")
    public RestResponse<TemplateInstance> owner() {
        return page(Templates.owner());
    }

    private static RestResponse<TemplateInstance> page(TemplateInstance page) {
        return RestResponse.ResponseBuilder.ok(page)
                .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                .header("X-Content-Type-Options", "nosniff")
                // Not no-referrer: under it browsers send "Origin: null" even to the page's own origin, which
                // SessionOrigin refuses.
                .header("Referrer-Policy", "same-origin")
                .header("Cache-Control", "no-store")
                .build();
    }
}

package dev.rigfleet.agent.supervisor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rigfleet.agent.config.AgentConfig;
import dev.rigfleet.agent.host.HostControl;
import dev.rigfleet.agent.link.DeviceLink;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code GET} and {@code PATCH /v1/device/host-config}: the host name (through the host control) and the proxy
 * settings. rigfleet runs no proxy redirector of its own: the proxy settings are validated and kept in the state
 * directory ({@code host-config.json}) for the device's own tooling, and reported back.
 */
@Path("/v1/device/host-config")
@Consumes(MediaType.WILDCARD)
public class HostConfigResource {

    private static final String FILE = "host-config.json";
    private static final Set<String> PROXY_TYPES = Set.of("socks4", "socks5", "http-connect", "http-relay");
    private static final Pattern HOSTNAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

    private final HostControl host;
    private final AgentConfig config;
    private final DeviceLink link;
    private final ObjectMapper json = new ObjectMapper();

    public HostConfigResource(HostControl host, AgentConfig config, DeviceLink link) {
        this.host = host;
        this.config = config;
        this.link = link;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public JsonNode read() {
        ObjectNode network = json.createObjectNode();
        network.set("proxy", storedProxy());
        network.put("hostname", host.hostname());
        ObjectNode answer = json.createObjectNode();
        answer.set("network", network);
        return answer;
    }

    /** Fields left out are left alone; an empty proxy or host name restores the default. */
    @PATCH
    @Produces(MediaType.TEXT_PLAIN)
    public String update(String raw) {
        JsonNode network = SupervisorAnswers.body(raw).path("network");
        JsonNode proxy = network.get("proxy");
        JsonNode hostname = network.get("hostname");
        if (proxy != null && !proxy.isNull() && !proxy.isObject()) {
            throw SupervisorAnswers.failed(400, "network.proxy must be an object");
        }
        if (proxy != null && proxy.isObject() && proxy.size() > 0) {
            String type = proxy.path("type").asText("");
            if (!PROXY_TYPES.contains(type)) {
                throw SupervisorAnswers.failed(400, "network.proxy.type must be one of " + PROXY_TYPES);
            }
        }
        if (hostname != null
                && !hostname.isNull()
                && !hostname.asText().isEmpty()
                && !HOSTNAME.matcher(hostname.asText()).matches()) {
            throw SupervisorAnswers.failed(
                    400, "network.hostname must be a host name of at most 63 letters, " + "digits and inner hyphens");
        }
        if (proxy != null) {
            storeProxy(proxy.isObject() ? (ObjectNode) proxy : json.createObjectNode());
        }
        if (hostname != null) {
            String wanted = hostname.isNull() ? "" : hostname.asText();
            host.setHostname(wanted.isEmpty() ? defaultHostname() : wanted);
        }
        return "OK";
    }

    /** As balena's: the first seven characters of the device's uuid. */
    private String defaultHostname() {
        return link.identity().map(identity -> identity.uuid().substring(0, 7)).orElse("rigfleet");
    }

    private JsonNode storedProxy() {
        java.nio.file.Path file = config.stateDir().resolve(FILE);
        try {
            return Files.exists(file) ? json.readTree(file.toFile()).path("proxy") : json.createObjectNode();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private void storeProxy(ObjectNode proxy) {
        java.nio.file.Path file = config.stateDir().resolve(FILE);
        ObjectNode stored = json.createObjectNode();
        stored.set("proxy", proxy);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, json.writeValueAsString(stored));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}

package dev.rigfleet.workspaces.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.rigfleet.common.auth.ServiceTokens;
import dev.rigfleet.common.error.ApiException;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Iterator;
import java.util.UUID;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Owners' git SSH keys, kept by the registry (its {@code /internal/owners/{owner}/git-ssh-key}, asked with this
 * service's token): the key a user's CI jobs sign in to ssh:// repositories with, the same their devices' agents
 * get. REST client {@code registry}.
 */
@ApplicationScoped
public class RegistryGitKeys {

    /** The key pair in OpenSSH's formats. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pair(
            @JsonProperty("public_key") String publicKey,
            @JsonProperty("private_key") String privateKey) {

        /** The private key, read. */
        public KeyPair keyPair() {
            try {
                Iterator<KeyPair> pairs = SecurityUtils.loadKeyPairIdentities(
                                null,
                                NamedResource.ofName("the owner's git SSH key"),
                                new ByteArrayInputStream(privateKey.getBytes(StandardCharsets.UTF_8)),
                                null)
                        .iterator();
                return pairs.next();
            } catch (Exception e) {
                throw new IllegalStateException("the registry's git SSH key cannot be read: " + e.getMessage(), e);
            }
        }
    }

    @RegisterRestClient(configKey = "registry")
    @Path("/internal/owners")
    @Produces(MediaType.APPLICATION_JSON)
    public interface Api {

        @GET
        @Path("/{owner}/git-ssh-key")
        Uni<Pair> gitSshKey(@HeaderParam(HttpHeaders.AUTHORIZATION) String service, @PathParam("owner") UUID owner);
    }

    private final Api api;
    private final ServiceTokens serviceTokens;

    public RegistryGitKeys(@RestClient Api api, ServiceTokens serviceTokens) {
        this.api = api;
        this.serviceTokens = serviceTokens;
    }

    /** The owner's key pair, made by the registry on first use; a 503 when the registry cannot give it. */
    public Uni<Pair> of(UUID owner) {
        return api.gitSshKey(serviceTokens.authorization(), owner).onFailure().transform(e -> {
            Log.warnf("the registry gave no git SSH key for owner %s: %s", owner, e.getMessage());
            return ApiException.unavailable("your git SSH key cannot be had from the device registry right now; try"
                    + " again (ssh:// repositories are read with it)");
        });
    }
}

package dev.rigfleet.workspaces.service;

import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.workspaces.config.EurlConfig;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a callback URL (eurl) may be called, and where to: it must be https (http only when allowed), and
 * every address its host resolves to must be outside the refused ranges, unless the host is allowed by name. The
 * address found here is the one connected to, so a name that resolves differently a moment later cannot redirect the
 * call.
 */
@ApplicationScoped
public class EventUrls {

    /** A checked URL and the address to call it at. */
    public record Target(URI uri, InetAddress address, int port, boolean tls) {

        /** The path and query to request. */
        public String requestUri() {
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        }
    }

    private final EurlConfig config;
    private final AddressRanges refused;
    private final List<String> allowedHosts;

    public EventUrls(EurlConfig config) {
        this.config = config;
        this.refused = new AddressRanges(config.blockedRanges().orElse(List.of()));
        this.allowedHosts = config.allowedHosts().orElse(List.of()).stream()
                .map(host -> host.toLowerCase(Locale.ROOT))
                .toList();
    }

    /** Fails with a 400 naming the reason when the URL may not be called. */
    public Uni<Void> check(String url) {
        return resolve(url).replaceWithVoid();
    }

    /** Where to call the URL; a 400 naming the reason when it may not be called. */
    public Uni<Target> resolve(String url) {
        URI uri = parse(url);
        boolean tls = "https".equals(uri.getScheme());
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        String host = uri.getHost();
        String name = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        boolean allowedByName = allowedHosts.contains(name.toLowerCase(Locale.ROOT));
        // Name resolution blocks: it runs off the event loop.
        return Uni.createFrom()
                .item(() -> addresses(name))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .map(addresses -> {
                    if (!allowedByName) {
                        for (InetAddress address : addresses) {
                            if (refused.refused(address)) {
                                throw ApiException.badRequest("eurl host " + name + " resolves to "
                                        + address.getHostAddress() + ", a loopback, link-local, private or cluster"
                                        + " address; callbacks there are refused");
                            }
                        }
                    }
                    return new Target(uri, addresses[0], port, tls);
                });
    }

    private URI parse(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw ApiException.badRequest("eurl is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !(scheme.equals("http") && config.allowInsecure())) {
            throw ApiException.badRequest(
                    config.allowInsecure() ? "eurl must be an http or https URL" : "eurl must be an https URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw ApiException.badRequest("eurl has no host");
        }
        if (uri.getRawUserInfo() != null) {
            throw ApiException.badRequest("eurl may not carry a user or password");
        }
        return uri;
    }

    private static InetAddress[] addresses(String host) {
        try {
            InetAddress[] found = InetAddress.getAllByName(host);
            if (found.length == 0) {
                throw ApiException.badRequest("eurl host " + host + " does not resolve");
            }
            return Arrays.copyOf(found, found.length);
        } catch (UnknownHostException e) {
            throw ApiException.badRequest("eurl host " + host + " does not resolve");
        }
    }
}

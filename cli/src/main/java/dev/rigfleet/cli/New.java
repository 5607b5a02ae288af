package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "new",
        mixinStandardHelpOptions = true,
        description = {
            "Makes an instance of a workspace type (any free deployment of it), or of one deployment.",
            "With --wait it shows the instance's progress until READY and exits 1 if it ends INIT_FAIL."
        })
final class New extends ApiCommand {

    private static final Duration POLL = Duration.ofSeconds(1);

    @Parameters(paramLabel = "TYPE|DEPLOYMENT", description = "A workspace type, or a deployment's id.")
    String target;

    @Option(names = "--vpn", description = "Give the instance a VPN (then `rigfleet vpn`).")
    boolean vpn;

    @Option(names = "--reserve", description = "Queue for it when nothing is free now.")
    boolean reserve;

    @Option(names = "--wait", description = "Wait until the instance is READY (or has failed).")
    boolean await;

    @Override
    int run(Api api) throws Exception {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("vpn", vpn);
        options.put("reserve", reserve);
        JsonNode made = api.post("/new/" + Paths.segment(target), options);
        String id = made.path("id").asText();
        boolean queued = !made.path("success").asBoolean(false);
        if (queued) {
            err().println("Queued: reservation " + id
                    + " (`rigfleet reservations` shows it; the instance gets its id)");
            err().flush();
            if (!await) {
                return json ? print(made, null) : 0;
            }
        }
        if (!await) {
            return print(made, new Table("ID", "STATUS").row(id, "INIT"));
        }
        JsonNode instance = awaitEnd(api, id);
        if (!"READY".equals(instance.path("status").asText())) {
            throw new Api.Refused(
                    0,
                    "instance " + id + " is " + instance.path("status").asText() + ": "
                            + instance.path("status_reason").asText("no reason given"));
        }
        if (json) {
            return print(instance, null);
        }
        JsonNode fwd = instance.path("fwd");
        out().println("Instance " + id + " is READY at " + fwd.path("ipv4").asText() + ":"
                + fwd.path("port").asText());
        out().println("  rigfleet ssh " + id);
        out().flush();
        return 0;
    }

    /** Promoted between the two reads (its instance is there now), or gone without one. */
    private static JsonNode promotedOrGone(Api api, String id) {
        try {
            return api.get("/instance/" + Paths.segment(id));
        } catch (Api.Refused gone) {
            if (gone.status == 404) {
                throw new Api.Refused(
                        404,
                        "reservation " + id
                                + " left the queue without an instance (deleted, or its queue time-out passed)");
            }
            throw gone;
        }
    }

    private static boolean stillQueued(Api api, String id) {
        for (JsonNode reservation : api.get("/reservations").path("reservations")) {
            if (id.equals(reservation.path("id").asText())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Polls the instance while it is queued (a reservation: no instance of its id yet) or INIT, with one progress
     * line (rewritten in place on a terminal, every tenth poll otherwise).
     */
    private JsonNode awaitEnd(Api api, String id) throws InterruptedException {
        Instant started = Instant.now();
        boolean terminal = System.console() != null;
        for (int poll = 0; ; poll++) {
            String status;
            JsonNode instance = null;
            try {
                instance = api.get("/instance/" + Paths.segment(id));
                status = instance.path("status").asText();
            } catch (Api.Refused notYet) {
                if (notYet.status != 404) {
                    throw notYet;
                }
                if (!stillQueued(api, id)) {
                    instance = promotedOrGone(api, id);
                }
                status = "queued";
            }
            long seconds = Duration.between(started, Instant.now()).toSeconds();
            if (instance != null && !"INIT".equals(instance.path("status").asText())) {
                if (terminal) {
                    err().print("\r\u001b[K");
                }
                err().flush();
                return instance;
            }
            String progress = "instance " + id + ": " + status + " for " + seconds + " s";
            if (terminal) {
                err().print("\r" + progress);
            } else if (poll % 10 == 0) {
                err().println(progress);
            }
            err().flush();
            Thread.sleep(POLL.toMillis()); // the API has no change stream for one instance: polling is its way
        }
    }
}

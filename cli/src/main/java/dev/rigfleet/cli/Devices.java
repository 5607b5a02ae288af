package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "Your devices (an admin: every device).")
final class Devices extends ApiCommand {

    @Option(names = "--fleet", paramLabel = "APP_ID", description = "Only the devices of this fleet.")
    Long fleet;

    @Override
    int run(Api api) throws Exception {
        JsonNode answer = api.get("/devices" + (fleet == null ? "" : "?appId=" + fleet));
        Table table = new Table("UUID", "NAME", "FLEET", "ONLINE", "LAST SEEN", "RUNS", "TARGET");
        for (JsonNode device : answer.path("devices")) {
            table.row(
                    text(device, "uuid"),
                    text(device, "name"),
                    text(device, "appId"),
                    online(device.path("online")),
                    text(device, "last_seen"),
                    text(device.path("reported_state"), "commit"),
                    text(device, "target_version"));
        }
        return print(answer, table);
    }

    static String online(JsonNode online) {
        return online.isBoolean() ? (online.asBoolean() ? "online" : "offline") : "unknown";
    }
}

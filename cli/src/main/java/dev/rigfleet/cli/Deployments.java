package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "deployments",
        mixinStandardHelpOptions = true,
        description = "The deployments in service, with their queues.")
final class Deployments extends ApiCommand {

    @Option(names = "--type", description = "Only deployments of this workspace type.")
    String type;

    @Option(names = "--online", description = "Only deployments whose devices are online.")
    boolean online;

    @Override
    int run(Api api) throws Exception {
        JsonNode answer = api.get("/deployments" + (type == null ? "" : "/" + Paths.segment(type)) + "?info=t");
        JsonNode info = answer.path("info");
        Table table = new Table("ID", "TYPE", "REGION", "QUEUE", "ONLINE");
        for (JsonNode id : answer.path("workspace_deployments")) {
            JsonNode deployment = info.path(id.asText());
            if (online && !deployment.path("online").asBoolean(false)) {
                continue;
            }
            table.row(
                    id.asText(),
                    text(deployment, "type"),
                    text(deployment, "region"),
                    text(deployment, "queuelen"),
                    Devices.online(deployment.path("online")));
        }
        return print(answer, table);
    }
}

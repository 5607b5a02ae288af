package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "instances", mixinStandardHelpOptions = true, description = "Your instances, INIT and READY ones.")
final class Instances extends ApiCommand {

    @Option(names = "--all", description = "Also those that failed or ended.")
    boolean all;

    @Override
    int run(Api api) throws Exception {
        JsonNode ids = api.get("/instances" + (all ? "?include_terminated&include_init_fail" : ""));
        ArrayNode instances = JsonNodeFactory.instance.arrayNode();
        Table table = new Table("ID", "TYPE", "STATUS", "FWD", "STARTED");
        for (JsonNode id : ids.path("workspace_instances")) {
            JsonNode instance = api.get("/instance/" + Paths.segment(id.asText()));
            instances.add(instance);
            JsonNode fwd = instance.path("fwd");
            table.row(
                    text(instance, "id"),
                    text(instance, "type"),
                    text(instance, "status"),
                    fwd.has("ipv4")
                            ? fwd.path("ipv4").asText() + ":" + fwd.path("port").asText()
                            : null,
                    text(instance, "starttime"));
        }
        return print(instances, table);
    }
}

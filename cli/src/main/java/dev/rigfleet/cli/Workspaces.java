package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "workspaces", mixinStandardHelpOptions = true, description = "The workspace types.")
final class Workspaces extends ApiCommand {

    @Override
    int run(Api api) throws Exception {
        JsonNode answer = api.get("/workspaces");
        Table table = new Table("TYPE");
        for (JsonNode type : answer.path("workspace_types")) {
            table.row(type.asText());
        }
        return print(answer, table);
    }
}

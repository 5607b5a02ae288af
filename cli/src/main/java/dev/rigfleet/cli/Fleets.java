package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "fleets", mixinStandardHelpOptions = true, description = "The fleets you own (an admin: every fleet).")
final class Fleets extends ApiCommand {

    @Override
    int run(Api api) throws Exception {
        JsonNode answer = api.get("/fleets");
        Table table = new Table("APP ID", "NAME", "TARGET RELEASE", "CREATED");
        for (JsonNode fleet : answer.path("fleets")) {
            table.row(
                    text(fleet, "appId"),
                    text(fleet, "name"),
                    text(fleet, "target_release"),
                    text(fleet, "created_at"));
        }
        return print(answer, table);
    }
}

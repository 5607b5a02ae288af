package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "terminate", mixinStandardHelpOptions = true, description = "Ends an instance.")
final class Terminate extends ApiCommand {

    @Parameters(paramLabel = "INSTANCE", description = "The instance's id.")
    String instance;

    @Override
    int run(Api api) throws Exception {
        JsonNode answer = api.post("/terminate/" + Paths.segment(instance), null);
        JsonNode now = api.get("/instance/" + Paths.segment(instance));
        return print(answer, new Table("ID", "STATUS").row(instance, text(now, "status")));
    }
}

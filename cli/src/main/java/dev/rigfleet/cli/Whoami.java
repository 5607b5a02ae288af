package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(name = "whoami", mixinStandardHelpOptions = true, description = "Who the token in use names.")
final class Whoami extends ApiCommand {

    @Override
    int run(Api api) throws Exception {
        JsonNode who = api.get("/actor/v1/whoami");
        return print(who, new Table("USER", "ID", "PLATFORM").row(text(who, "username"), text(who, "id"), api.base()));
    }
}

package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

@Command(
        name = "reservations",
        mixinStandardHelpOptions = true,
        description = "Your queued reservations, oldest first: the first is next in its queue.")
final class Reservations extends ApiCommand {

    @Override
    int run(Api api) throws Exception {
        JsonNode answer = api.get("/reservations");
        Table table = new Table("ID", "FOR", "CREATED", "PRIORITY", "EXPIRES");
        for (JsonNode reservation : answer.path("reservations")) {
            table.row(
                    text(reservation, "id"),
                    text(reservation, "desc"),
                    text(reservation, "created"),
                    text(reservation, "priority"),
                    text(reservation, "expires"));
        }
        return print(answer, table);
    }
}

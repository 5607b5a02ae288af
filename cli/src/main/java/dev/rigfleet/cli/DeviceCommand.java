package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "device", mixinStandardHelpOptions = true, description = "One device, field by field.")
final class DeviceCommand extends ApiCommand {

    @Parameters(paramLabel = "UUID", description = "The device's uuid.")
    String uuid;

    @Override
    int run(Api api) throws Exception {
        JsonNode device = api.get("/devices/" + Paths.segment(uuid));
        Table table = new Table("FIELD", "VALUE");
        for (Iterator<Map.Entry<String, JsonNode>> fields = device.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            table.row(field.getKey(), text(device, field.getKey()));
        }
        return print(device, table);
    }
}

package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

@Command(
        name = "supervisor",
        mixinStandardHelpOptions = true,
        description = {
            "Calls a device's API through the platform (POST /supervisor/{url}).",
            "For example: rigfleet supervisor /v1/identify --uuid <uuid>",
            "One device: its own answer. Several (--app-id): one line per device."
        })
final class Supervisor extends ApiCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Parameters(paramLabel = "URL", description = "The device API's path, e.g. /v1/reboot or /ping.")
    String url;

    @ArgGroup(multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--uuid", required = true, description = "One device, by uuid.")
        String uuid;

        @Option(names = "--device-id", required = true, description = "One device, by its numeric id.")
        Long deviceId;

        @Option(names = "--app-id", required = true, description = "Every online device of a fleet.")
        Long appId;
    }

    @Option(names = "--method", description = "The method for the device (default POST).")
    String method;

    @Option(
            names = "--data",
            paramLabel = "JSON",
            description = "A JSON object for the device, e.g. '{\"force\": true}'.")
    String data;

    @Override
    int run(Api api) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        if (target.uuid != null) {
            body.put("uuid", target.uuid);
        } else if (target.deviceId != null) {
            body.put("deviceId", target.deviceId);
        } else {
            body.put("appId", target.appId);
        }
        if (method != null) {
            body.put("method", method);
        }
        if (data != null) {
            JsonNode parsed;
            try {
                parsed = JSON.readTree(data);
            } catch (Exception e) {
                throw new ParameterException(spec.commandLine(), "--data is not JSON: " + e.getMessage());
            }
            if (!parsed.isObject()) {
                throw new ParameterException(spec.commandLine(), "--data must be a JSON object");
            }
            body.put("data", parsed);
        }
        HttpResponse<String> answer = api.raw("/supervisor/" + url.replaceFirst("^/+", ""), "POST", body);
        if (answer.statusCode() != 207) {
            out().println(answer.body());
            out().flush();
            return 0;
        }
        JsonNode each = JSON.readTree(answer.body());
        Table table = new Table("UUID", "STATUS", "ANSWER");
        for (JsonNode device : each) {
            table.row(text(device, "uuid"), text(device, "statusCode"), text(device, "body"));
        }
        return print(each, table);
    }
}

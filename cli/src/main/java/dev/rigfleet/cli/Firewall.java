package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "firewall",
        mixinStandardHelpOptions = true,
        description = {
            "Shows an instance's firewall rules, appends one, or empties the chain.",
            "`add` appends a rule (by default: accept your own address); `clear` empties the chain (then nobody gets"
                    + " in until a rule is added)."
        })
final class Firewall extends ApiCommand {

    enum Change {
        add,
        clear
    }

    enum Action {
        ACCEPT,
        DROP,
        REJECT
    }

    @Parameters(index = "0", paramLabel = "INSTANCE", description = "The instance's id.")
    String instance;

    @Parameters(index = "1", arity = "0..1", paramLabel = "add|clear", description = "What to change.")
    Change change;

    @Option(names = "--src", paramLabel = "CIDR", description = "For add: the source (default: your address).")
    String source;

    @Option(names = "--action", description = "For add: ${COMPLETION-CANDIDATES} (default: ACCEPT).")
    Action action;

    @Override
    int run(Api api) throws Exception {
        String path = "/firewall/" + Paths.segment(instance);
        JsonNode chain;
        if (change == null) {
            chain = api.get(path);
        } else if (change == Change.clear) {
            chain = api.delete(path);
        } else {
            Map<String, Object> rule = new LinkedHashMap<>();
            if (source != null) {
                rule.put("src", source);
            }
            if (action != null) {
                rule.put("action", action.name());
            }
            chain = api.post(path, rule);
        }
        Table table = new Table("#", "SOURCE", "ACTION");
        int position = 1;
        for (JsonNode rule : chain.path("rules")) {
            table.row(position++, text(rule, "source"), text(rule, "action"));
        }
        return print(chain, table);
    }
}

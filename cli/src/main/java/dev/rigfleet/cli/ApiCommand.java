package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every command that calls the platform shares: where it is, the token, {@code --json}, the output. */
abstract class ApiCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the API's answer as JSON, for scripts.")
    boolean json;

    @Override
    public final Integer call() throws Exception {
        return run(Api.of(credentials(), err()));
    }

    abstract int run(Api api) throws Exception;

    Credentials credentials() {
        return Credentials.current(env());
    }

    Map<String, String> env() {
        return System.getenv();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** {@code --json}: the answer as it came; else the table. */
    int print(JsonNode answer, Table table) throws Exception {
        if (json) {
            out().println(JSON.writeValueAsString(answer));
            out().flush();
        } else {
            table.print(out(), colour());
        }
        return 0;
    }

    /** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
    boolean colour() {
        return System.console() != null && !env().containsKey("NO_COLOR") && !"dumb".equals(env().get("TERM"));
    }

    static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? null : value.isTextual() ? value.asText() : value.toString();
    }
}

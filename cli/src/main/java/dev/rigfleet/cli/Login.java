package dev.rigfleet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

@Command(
        name = "login",
        mixinStandardHelpOptions = true,
        description = {
            "Signs in and keeps the token for the next commands, in ~/.config/rigfleet/credentials.json (mode 0600).",
            "With --user it asks for the password (or reads it from standard input with --password-stdin);"
                    + " with --token it keeps that token once the platform accepts it."
        })
final class Login extends ApiCommand {

    @Option(names = "--url", description = "The platform's address (default: the stored one, else ${DEFAULT-VALUE}).")
    String url;

    @Option(
            names = {"-u", "--user"},
            description = "The user to sign in as.")
    String user;

    @Option(names = "--token", description = "A token to keep instead (from POST /token, or the dashboard).")
    String token;

    @Option(names = "--password-stdin", description = "Read the password from standard input (one line).")
    boolean passwordStdin;

    @Override
    int run(Api current) throws IOException {
        if ((user == null) == (token == null)) {
            throw new ParameterException(spec.commandLine(), "give --user or --token (one of them)");
        }
        String target = url != null ? url : credentials().url();
        String kept = token;
        if (user != null) {
            Api anonymous = new Api(URI.create(target), Optional.empty(), err(), Clock.systemUTC());
            kept = anonymous
                    .post("/token", Map.of("user", user, "password", password()))
                    .path("token")
                    .asText();
        }
        JsonNode who = new Api(URI.create(target), Optional.of(kept), err(), Clock.systemUTC()).get("/actor/v1/whoami");
        new Credentials(target, Optional.of(kept)).store(env());
        out().println("Signed in to " + target + " as " + who.path("username").asText());
        out().flush();
        return 0;
    }

    private String password() throws IOException {
        if (passwordStdin) {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null) {
                throw new ParameterException(spec.commandLine(), "no password on standard input");
            }
            return line;
        }
        Console console = System.console();
        if (console == null) {
            throw new ParameterException(
                    spec.commandLine(), "no terminal to ask for the password on: give it with --password-stdin");
        }
        char[] typed = console.readPassword("Password for %s: ", user);
        if (typed == null) {
            throw new ParameterException(spec.commandLine(), "no password given");
        }
        return new String(typed);
    }
}

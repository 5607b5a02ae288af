package dev.rigfleet.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/**
 * {@code rigfleet}: the platform from a terminal and from pipelines. Exit codes: 0 done, 1 the platform refused or
 * what was asked failed (the API's message on one line), 2 wrong usage, 3 the platform could not be reached.
 */
@Command(
        name = "rigfleet",
        mixinStandardHelpOptions = true,
        versionProvider = Rigfleet.Version.class,
        description = "Devices, workspaces, instances and CI jobs of a rigfleet platform.",
        subcommands = {
            HelpCommand.class,
            Login.class,
            Logout.class,
            Whoami.class,
            Fleets.class,
            Devices.class,
            DeviceCommand.class,
            Workspaces.class,
            Deployments.class,
            Supervisor.class,
            Terminal.class,
            New.class,
            Instances.class,
            Ssh.class,
            Vpn.class,
            Firewall.class,
            Terminate.class,
            Reservations.class,
            Ci.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:the platform refused, or what was asked failed",
            "2:wrong usage",
            "3:the platform could not be reached"
        })
public final class Rigfleet {

    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine line = new CommandLine(new Rigfleet());
        // `rigfleet ssh <id> uname -a`: after the instance, everything is the remote command's, options included.
        line.getSubcommands().get("ssh").setStopAtPositional(true);
        line.setExecutionExceptionHandler((e, command, parsed) -> {
            PrintWriter err = command.getErr();
            if (e instanceof Api.Refused refused) {
                err.println("rigfleet: " + refused.getMessage());
                return REFUSED;
            }
            if (e instanceof Api.Unreachable unreachable) {
                err.println("rigfleet: " + unreachable.getMessage());
                return UNREACHABLE;
            }
            if (e instanceof CommandLine.ParameterException wrong) {
                err.println("rigfleet: " + wrong.getMessage());
                return USAGE;
            }
            throw e;
        });
        return line.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Rigfleet.class.getPackage().getImplementationVersion();
            return new String[] {"rigfleet " + (version == null ? "(development)" : version)};
        }
    }
}

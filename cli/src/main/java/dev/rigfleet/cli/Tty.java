package dev.rigfleet.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** The user's terminal, through {@code stty} on {@code /dev/tty}: its size, and raw mode for a remote shell. */
final class Tty implements AutoCloseable {

    private static final File TTY = new File("/dev/tty");

    private final String saved;

    private Tty(String saved) {
        this.saved = saved;
    }

    /** Whether this process has a terminal (not only pipes). */
    static boolean present() {
        return System.console() != null && TTY.exists();
    }

    /** Raw mode without echo until closed: every key goes to the remote side as typed, ^C among them. */
    static Tty raw() throws IOException, InterruptedException {
        Tty tty = new Tty(stty("-g").strip());
        stty("raw", "-echo");
        return tty;
    }

    /** Rows and columns, when there is a terminal that knows them. */
    static Optional<int[]> size() {
        try {
            String[] size = stty("size").strip().split("\\s+");
            int rows = Integer.parseInt(size[0]);
            int columns = Integer.parseInt(size[1]);
            // A pseudo-terminal nobody sized (a pipe's, under script) says 0 0: no size is known.
            return rows > 0 && columns > 0 ? Optional.of(new int[] {rows, columns}) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        try {
            stty(saved);
        } catch (IOException e) {
            System.err.println("rigfleet: could not restore the terminal (run `stty sane`): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("stty"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectInput(TTY)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("stty " + String.join(" ", args) + " failed");
        }
        return output;
    }
}

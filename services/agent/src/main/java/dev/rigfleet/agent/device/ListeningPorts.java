package dev.rigfleet.agent.device;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TCP ports something listens on, read from the kernel's tables ({@code /proc/net/tcp}, {@code tcp6}) and named
 * after the process that holds each socket (its {@code /proc/<pid>/comm}, when this user may look).
 */
public final class ListeningPorts {

    /** One listening port, as Coder's {@code ListeningPort}, and the process holding it (-1 when unknown). */
    public record Port(String network, int port, String processName, long pid) {}

    private record Holder(String name, long pid) {}

    private static final Holder UNKNOWN = new Holder("", -1);

    private static final String LISTEN = "0A";

    private final Path proc;

    public ListeningPorts(Path proc) {
        this.proc = proc;
    }

    public List<Port> list() throws IOException {
        Map<Integer, String> inodeByPort = new LinkedHashMap<>();
        for (String table : List.of("net/tcp", "net/tcp6")) {
            Path file = proc.resolve(table);
            if (Files.exists(file)) {
                inodeByPort.putAll(listening(Files.readAllLines(file)));
            }
        }
        Map<String, Holder> processByInode = processesBySocket();
        return inodeByPort.entrySet().stream()
                .map(entry -> {
                    Holder holder = processByInode.getOrDefault(entry.getValue(), UNKNOWN);
                    return new Port("tcp", entry.getKey(), holder.name(), holder.pid());
                })
                .sorted(Comparator.comparingInt(Port::port))
                .toList();
    }

    /** Port to socket inode of the LISTEN rows of one kernel table (the first line is the header). */
    static Map<Integer, String> listening(List<String> table) {
        Map<Integer, String> ports = new HashMap<>();
        for (String row : table.subList(Math.min(1, table.size()), table.size())) {
            String[] columns = row.trim().split("\\s+");
            if (columns.length > 9 && LISTEN.equals(columns[3])) {
                String local = columns[1];
                int port = Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16);
                ports.putIfAbsent(port, columns[9]);
            }
        }
        return ports;
    }

    private Map<String, Holder> processesBySocket() {
        Map<String, Holder> byInode = new HashMap<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path process : processes) {
                Holder holder = new Holder(
                        comm(process), Long.parseLong(process.getFileName().toString()));
                try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(process.resolve("fd"))) {
                    for (Path descriptor : descriptors) {
                        String target;
                        try {
                            target = Files.readSymbolicLink(descriptor).toString();
                        } catch (IOException | SecurityException e) {
                            continue; // closed since it was listed: the process's other descriptors still count
                        }
                        if (target.startsWith("socket:[")) {
                            byInode.putIfAbsent(target.substring(8, target.length() - 1), holder);
                        }
                    }
                } catch (IOException | SecurityException e) {
                    // Another user's process, or one that just ended: its sockets stay unnamed.
                }
            }
        } catch (IOException e) {
            return byInode;
        }
        return byInode;
    }

    private static String comm(Path process) {
        try {
            return Files.readString(process.resolve("comm")).trim();
        } catch (IOException e) {
            return "";
        }
    }
}

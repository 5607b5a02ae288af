package dev.rigfleet.workspaces.ci;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads a repository's {@code .rigfleet.yml} into a {@link CiConfig}. It works on SnakeYAML's nodes, which know
 * their lines, and constructs no Java objects from the YAML; every problem becomes a {@link CiConfigException} that
 * names the line and the key.
 */
public final class CiConfigParser {

    public static final int MAX_BYTES = 64 * 1024;
    static final int MAX_WORKSPACE_CHARS = 64;
    static final int MAX_STEPS = 100;
    static final int MAX_STEP_CHARS = 10_000;
    static final int MAX_RESULTS = 20;
    static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    static final Duration DEFAULT_QUEUE_TIMEOUT = Duration.ofHours(1);
    // The file's schema is two levels deep; these leave room for a little YAML cleverness, not for a YAML bomb.
    static final int MAX_COLLECTION_ALIASES = 10;
    static final int MAX_NESTING = 10;

    private static final List<String> KNOWN_KEYS =
            List.of("workspace", "deployment", "timeout", "queue_timeout", "env", "steps", "results");
    private static final Pattern DEPLOYMENT_ID =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern DURATION = Pattern.compile("(-?)(\\d+)([smh]?)");
    private static final String DURATION_FORMS = "say 90s, 10m, 1h or a whole number of seconds";
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** What a results pattern may hold: the instance's shell expands it unquoted, so nothing it would run. */
    public static final Pattern RESULT_PATTERN = Pattern.compile("[A-Za-z0-9._/*?\\[\\]-]+");

    private CiConfigParser() {}

    /** @param maxTimeout the longest timeout (and queue_timeout) allowed, from the platform's configuration */
    public static CiConfig parse(String text, Duration maxTimeout) throws CiConfigException {
        checkSizeAndCharacters(text);
        Node root = compose(text);
        if (root == null) {
            throw CiConfigException.inFile(
                    "is empty; it must say at least \"workspace\" or \"deployment\", and \"steps\"");
        }
        if (!(root instanceof MappingNode mapping)) {
            throw CiConfigException.atLine(
                    line(root), "must be a mapping of keys such as \"steps\" to values, not " + kind(root));
        }
        Map<String, Entry> entries = topLevelEntries(mapping);
        Entry workspace = entries.get("workspace");
        Entry deployment = entries.get("deployment");
        if (workspace == null && deployment == null) {
            throw CiConfigException.inFile("says neither \"workspace\" nor \"deployment\"; give one of them");
        }
        if (workspace != null && deployment != null) {
            Entry second = workspace.keyLine() > deployment.keyLine() ? workspace : deployment;
            throw second.problem("give either \"workspace\" or \"deployment\", not both");
        }
        Entry steps = entries.get("steps");
        if (steps == null) {
            throw CiConfigException.inFile(
                    "has no \"steps\"; give a list of 1 to " + MAX_STEPS + " shell commands to run");
        }
        return new CiConfig(
                workspace == null ? Optional.empty() : Optional.of(workspace(workspace)),
                deployment == null ? Optional.empty() : Optional.of(deployment(deployment)),
                duration(entries.get("timeout"), DEFAULT_TIMEOUT, maxTimeout),
                duration(entries.get("queue_timeout"), DEFAULT_QUEUE_TIMEOUT, maxTimeout),
                env(entries.get("env")),
                steps(steps),
                results(entries.get("results")));
    }

    private static void checkSizeAndCharacters(String text) throws CiConfigException {
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw CiConfigException.inFile(
                    String.format(Locale.ROOT, "is %,d bytes long; at most %,d bytes are allowed", bytes, MAX_BYTES));
        }
        // SnakeYAML refuses these too, but says neither where nor which.
        int line = 1;
        for (int i = 0; i < text.length(); i = text.offsetByCodePoints(i, 1)) {
            int c = text.codePointAt(i);
            if (c == '\n') {
                line++;
            } else if (c == 0) {
                throw CiConfigException.atLine(line, "contains a NUL character");
            } else if (!StreamReader.isPrintable(c)) {
                throw CiConfigException.atLine(
                        line,
                        String.format(Locale.ROOT, "contains the character U+%04X, which YAML does not allow", c));
            }
        }
    }

    private static Node compose(String text) throws CiConfigException {
        // No setAllowDuplicateKeys(false): compose ignores it (only constructing objects checks), so
        // topLevelEntries and env check duplicates. No setCodePointLimit: the size was checked first.
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING);
        // Composing through our own Parser (as Yaml.compose does through its own) tells where a limit was hit.
        EventTracker parser = new EventTracker(new ParserImpl(new StreamReader(new StringReader(text)), options));
        try {
            return new Composer(parser, new Resolver(), options).getSingleNode();
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getContext() != null ? e.getContext() + ", " + e.getProblem() : e.getProblem();
            throw CiConfigException.atLine(mark.getLine() + 1, "is not valid YAML: " + problem);
        } catch (YAMLException e) { // a limit above, which SnakeYAML reports without a mark
            throw CiConfigException.atLine(parser.lastLine(), "is too complex to read: " + e.getMessage());
        } catch (RuntimeException e) { // not expected of SnakeYAML, but the user gets an answer all the same
            throw CiConfigException.atLine(parser.lastLine(), "cannot be read as YAML");
        }
    }

    /**
     * The top-level keys and their values, refusing an unknown key and a key given twice (which SnakeYAML's compose
     * lets through: it checks duplicates only when constructing objects).
     */
    private static Map<String, Entry> topLevelEntries(MappingNode mapping) throws CiConfigException {
        Map<String, Entry> entries = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (!(keyNode instanceof ScalarNode scalarKey)) {
                throw CiConfigException.atLine(
                        line(keyNode),
                        "a key must be a name such as \"steps\", not " + kind(keyNode) + "; the known keys are "
                                + String.join(", ", KNOWN_KEYS));
            }
            String key = scalarKey.getValue();
            if (!KNOWN_KEYS.contains(key)) {
                throw CiConfigException.atKey(
                        line(keyNode), key, "unknown key; the known keys are " + String.join(", ", KNOWN_KEYS));
            }
            Entry entry = new Entry(key, line(keyNode), tuple.getValueNode());
            Entry earlier = entries.putIfAbsent(key, entry);
            if (earlier != null) {
                throw entry.problem("given twice (first on line " + earlier.keyLine() + ")");
            }
        }
        return entries;
    }

    private static String workspace(Entry entry) throws CiConfigException {
        String name = entry.text(entry.value(), "", "a workspace type name");
        if (name.isBlank()) {
            throw entry.problem("is empty; it must be a workspace type name");
        }
        if (name.length() > MAX_WORKSPACE_CHARS) {
            throw entry.problem(String.format(
                    Locale.ROOT,
                    "is %d characters long; a workspace type name has at most %d",
                    name.length(),
                    MAX_WORKSPACE_CHARS));
        }
        return name;
    }

    private static UUID deployment(Entry entry) throws CiConfigException {
        String id = entry.text(entry.value(), "", "a deployment id");
        if (!DEPLOYMENT_ID.matcher(id).matches()) {
            throw entry.problem(quote(id)
                    + " is not a deployment id (a lower-case UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427)");
        }
        return UUID.fromString(id);
    }

    private static Duration duration(Entry entry, Duration byDefault, Duration max) throws CiConfigException {
        if (entry == null) {
            return byDefault;
        }
        String text = entry.text(entry.value(), "", "a duration (" + DURATION_FORMS + ")");
        Matcher matcher = DURATION.matcher(text);
        if (!matcher.matches()) {
            throw entry.problem(quote(text) + " is not a duration (" + DURATION_FORMS + ")");
        }
        long seconds;
        try {
            long unit = switch (matcher.group(3)) {
                case "m" -> 60;
                case "h" -> 3600;
                default -> 1;
            };
            seconds = Math.multiplyExact(Long.parseLong(matcher.group(2)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            seconds = Long.MAX_VALUE; // more than a long holds, so more than any maximum
        }
        if (!matcher.group(1).isEmpty() || seconds == 0) {
            throw entry.problem(quote(text) + " is not longer than zero");
        }
        Duration duration = Duration.ofSeconds(seconds);
        if (duration.compareTo(max) > 0) {
            throw entry.problem(quote(text) + " is longer than the most allowed, " + readable(max));
        }
        return duration;
    }

    private static Map<String, String> env(Entry entry) throws CiConfigException {
        if (entry == null || isNull(entry.value())) { // "env:" with its entries commented out
            return Map.of();
        }
        if (!(entry.value() instanceof MappingNode mapping)) {
            throw entry.problem("must be a mapping of variable names to values, not " + kind(entry.value()));
        }
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, Integer> lines = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node nameNode = tuple.getKeyNode();
            String name = nameNode instanceof ScalarNode scalar ? scalar.getValue() : null;
            if (name == null || !ENV_NAME.matcher(name).matches()) {
                throw entry.problemAt(
                        nameNode,
                        (name == null ? kind(nameNode) : quote(name))
                                + " is not a variable name (letters, digits and _, not starting with a digit)");
            }
            Integer earlier = lines.putIfAbsent(name, line(nameNode));
            if (earlier != null) {
                throw entry.problemAt(nameNode, quote(name) + " is given twice (first on line " + earlier + ")");
            }
            Node value = tuple.getValueNode();
            if (isNull(value)) {
                throw entry.problemAt(
                        nameNode, quote(name) + " has no value; write " + name + ": \"\" for an empty one");
            }
            env.put(name, entry.text(value, "the value of " + name, "a string, number or boolean"));
        }
        return env;
    }

    private static List<String> steps(Entry entry) throws CiConfigException {
        List<String> steps = new ArrayList<>();
        List<Node> items = entry.items("shell commands", MAX_STEPS);
        if (items.isEmpty()) {
            throw entry.problem("is empty; give 1 to " + MAX_STEPS + " shell commands to run");
        }
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String what = "step " + (i + 1);
            String step = entry.text(item, what, "a shell command");
            if (step.isBlank()) {
                throw entry.problemAt(item, what + " is empty");
            }
            if (step.length() > MAX_STEP_CHARS) {
                throw entry.problemAt(
                        item,
                        String.format(
                                Locale.ROOT,
                                "%s is %,d characters long; at most %,d",
                                what,
                                step.length(),
                                MAX_STEP_CHARS));
            }
            steps.add(step);
        }
        return steps;
    }

    private static List<String> results(Entry entry) throws CiConfigException {
        if (entry == null) {
            return List.of();
        }
        List<String> results = new ArrayList<>();
        List<Node> items = entry.items("paths of JUnit XML files", MAX_RESULTS);
        for (int i = 0; i < items.size(); i++) {
            Node item = items.get(i);
            String what = "item " + (i + 1);
            String path = entry.text(item, what, "a path");
            if (path.isBlank()) {
                throw entry.problemAt(item, what + " is empty");
            }
            // "~" too: the shell that expands the glob would make it the home directory.
            if (path.startsWith("/") || path.startsWith("~")) {
                throw entry.problemAt(item, what + ", " + quote(path) + ", must be relative to the repository's root");
            }
            if (List.of(path.split("/")).contains("..")) {
                throw entry.problemAt(item, what + ", " + quote(path) + ", must not go up with \"..\"");
            }
            if (!RESULT_PATTERN.matcher(path).matches()) {
                throw entry.problemAt(
                        item, what + ", " + quote(path) + ", may hold only letters, digits and . _ - / * ? [ ]");
            }
            results.add(path);
        }
        return results;
    }

    /** A top-level key with its value; its methods make the problems found in the value. */
    private record Entry(String key, int keyLine, Node value) {

        CiConfigException problem(String problem) {
            return CiConfigException.atKey(keyLine, key, problem);
        }

        /** At the node's line, or the key's for the value itself. */
        CiConfigException problemAt(Node node, String problem) {
            return CiConfigException.atKey(node == value ? keyLine : line(node), key, problem);
        }

        /**
         * A scalar's text as written ({@code true} is "true"), refusing lists, mappings, a missing value and a NUL
         * (which a double-quoted "\0" can make).
         *
         * @param subject how the message names the node: empty for the key's value, else e.g. "step 2"
         * @param expected what the node must be, e.g. "a shell command"
         */
        String text(Node node, String subject, String expected) throws CiConfigException {
            String named = subject.isEmpty() ? "" : subject + " ";
            if (isNull(node)) {
                throw problemAt(node, subject.isEmpty() ? "has no value; it must be " + expected : named + "is empty");
            }
            if (!(node instanceof ScalarNode scalar)) {
                throw problemAt(node, named + "must be " + expected + ", not " + kind(node));
            }
            if (scalar.getValue().indexOf('\0') >= 0) {
                throw problemAt(node, named + "contains a NUL character");
            }
            return scalar.getValue();
        }

        /** The items of a list value of at most {@code max} items; a missing value is an empty list. */
        List<Node> items(String what, int max) throws CiConfigException {
            if (isNull(value)) {
                return List.of();
            }
            if (!(value instanceof SequenceNode sequence)) {
                throw problem("must be a list of " + what + ", not " + kind(value));
            }
            if (sequence.getValue().size() > max) {
                throw problem(String.format(
                        Locale.ROOT,
                        "has %d items; at most %d are allowed",
                        sequence.getValue().size(),
                        max));
            }
            return sequence.getValue();
        }
    }

    /** Remembers the last event the composer took, whose mark says where SnakeYAML gave up on a limit. */
    private static final class EventTracker implements Parser {
        private final Parser parser;
        private Event last;

        EventTracker(Parser parser) {
            this.parser = parser;
        }

        @Override
        public boolean checkEvent(Event.ID choice) {
            return parser.checkEvent(choice);
        }

        @Override
        public Event peekEvent() {
            return parser.peekEvent();
        }

        @Override
        public Event getEvent() {
            last = parser.getEvent();
            return last;
        }

        int lastLine() {
            return last == null ? 1 : last.getStartMark().getLine() + 1;
        }
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode && node.getTag().equals(Tag.NULL);
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    private static String kind(Node node) {
        return switch (node.getNodeId()) {
            case sequence -> "a list";
            case mapping -> "a mapping";
            default -> "a single value";
        };
    }

    private static String quote(String text) {
        return '"' + text + '"';
    }

    private static String readable(Duration duration) {
        long seconds = duration.toSeconds();
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }
}

package dev.rigfleet.common.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Parser;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.rigfleet.common.testing.BusContract;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TopicsTest {

    private static final Set<String> TOPIC_METHODS =
            Set.of("publish", "onEvent", "request", "onRequest", "tell", "onTold");

    @Test
    void theTopicTableInTheArchitectureDocIsTheOneInTopics() throws IOException {
        List<String> documented = new ArrayList<>();
        for (List<String> row : topicTable()) {
            documented.add(String.join(" | ", row.subList(0, 3)));
            assertTrue(!row.get(3).isBlank() && !row.get(4).isBlank(), "publisher and subscribers of " + row);
        }

        List<String> declared = Topics.ALL.stream().map(TopicsTest::row).toList();

        assertEquals(declared, documented, "docs/architecture.md, \"Topics\" (channel | type | payload)");
    }

    @Test
    void everyTopicIsInTheListOfAllOnceAndNoTwoShareATypeOnOneChannel() throws IllegalAccessException {
        Set<Topic> constants = new HashSet<>();
        for (var field : Topics.class.getFields()) {
            if (Topic.class.isAssignableFrom(field.getType())) {
                constants.add((Topic) field.get(null));
            }
        }
        assertEquals(constants, Set.copyOf(Topics.ALL));
        assertEquals(Topics.ALL.size(), Set.copyOf(Topics.ALL).size());
        Set<String> keys = new HashSet<>();
        Topics.ALL.forEach(topic -> assertTrue(keys.add(key(topic)), "two topics are " + key(topic)));
    }

    @Test
    void theBusTakesTopicsNeverChannelOrTypeNames() {
        for (Method method : Bus.class.getDeclaredMethods()) {
            if (!Modifier.isPublic(method.getModifiers()) || !TOPIC_METHODS.contains(method.getName())) {
                continue;
            }
            boolean takesTopic = false;
            for (Parameter parameter : method.getParameters()) {
                takesTopic |= Topic.class.isAssignableFrom(parameter.getType());
                if (parameter.getType() == String.class) {
                    assertEquals("inbox", parameter.getName(), method + " takes a String other than an inbox");
                }
            }
            assertTrue(takesTopic, method + " takes a topic");
        }
    }

    @Test
    void theContractSeesTypesWhereTheyAreSpelled() {
        assertEquals(
                Topics.ALL.stream().map(Topic::type).distinct().toList(),
                BusContract.typesSpelledIn(new ClassFileImporter().importClass(Topics.class)));
    }

    @Test
    void commonNamesNoTopicOutsideTopics() {
        BusContract.check("dev.rigfleet.common");
    }

    private static String key(Topic topic) {
        return topic instanceof Topic.Event<?> event ? event.channel() + "/" + topic.type() : "inbox/" + topic.type();
    }

    /** How the table in docs/architecture.md spells a topic's channel, type and payload. */
    static String row(Topic topic) {
        if (topic instanceof Topic.Event<?> event) {
            return "`" + event.channel() + "` | `" + event.type() + "` | `" + payload(event.parser()) + "`";
        }
        if (topic instanceof Topic.Request<?, ?> request) {
            return "inbox (request) | `" + request.type() + "` | `" + payload(request.parser()) + "`, reply `"
                    + payload(request.replyParser()) + "`";
        }
        Topic.Tell<?> tell = (Topic.Tell<?>) topic;
        return "inbox (tell) | `" + tell.type() + "` | `" + payload(tell.parser()) + "`";
    }

    private static String payload(Parser<?> parser) {
        try {
            return parser.parseFrom(ByteString.EMPTY).getClass().getSimpleName();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The rows of the table under "### Topics", each as its cells. */
    private static List<List<String>> topicTable() throws IOException {
        List<String> lines = Files.readAllLines(architectureDoc());
        int heading = lines.indexOf("### Topics");
        assertTrue(heading >= 0, "docs/architecture.md has a \"### Topics\" section");
        List<List<String>> rows = new ArrayList<>();
        int line = heading + 1;
        while (line < lines.size() && !lines.get(line).startsWith("|")) {
            line++;
        }
        line += 2; // the header and its separator
        for (; line < lines.size() && lines.get(line).startsWith("|"); line++) {
            String text = lines.get(line).strip();
            List<String> cells = new ArrayList<>();
            for (String cell : text.substring(1, text.length() - 1).split("\\|", -1)) {
                cells.add(cell.strip());
            }
            assertEquals(5, cells.size(), "channel | type | payload | publisher | subscribers: " + text);
            rows.add(cells);
        }
        return rows;
    }

    /** The build runs a module's tests in the module's directory; docs/ is at the root of the checkout. */
    private static Path architectureDoc() {
        String root = System.getProperty("maven.multiModuleProjectDirectory");
        if (root != null && Files.exists(Path.of(root, "docs", "architecture.md"))) {
            return Path.of(root, "docs", "architecture.md");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path doc = dir.resolve("docs").resolve("architecture.md");
            if (Files.exists(doc)) {
                return doc;
            }
        }
        throw new AssertionError(
                "docs/architecture.md not found above " + Path.of("").toAbsolutePath());
    }
}

package dev.rigfleet.workspaces.ci;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.Attributes;
import org.xml.sax.InputSource;
import org.xml.sax.Locator;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.helpers.DefaultHandler;

/**
 * What a job's JUnit XML files say: how many test cases ran, failed, erred and were skipped, and which failed.
 * Reads the shapes that Maven Surefire, pytest, go-junit-report and Jenkins write: a root {@code <testsuites>}
 * holding (possibly nested) {@code <testsuite>}s, or a root {@code <testsuite>}.
 */
public record JUnitResults(int tests, int failures, int errors, int skipped, List<FailedCase> failed) {

    /** @param kind "failure" or "error" */
    public record FailedCase(String suite, String classname, String name, String kind, String message) {

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("suite", suite);
            map.put("classname", classname);
            map.put("name", name);
            map.put("kind", kind);
            map.put("message", message);
            return map;
        }

        static FailedCase fromMap(Map<String, Object> stored) {
            return new FailedCase(
                    (String) stored.get("suite"),
                    (String) stored.get("classname"),
                    (String) stored.get("name"),
                    (String) stored.get("kind"),
                    (String) stored.get("message"));
        }
    }

    public static final int MAX_FAILED = 1_000;
    public static final int MAX_MESSAGE_CHARS = 2_000;
    public static final JUnitResults NONE = new JUnitResults(0, 0, 0, 0, List.of());

    public JUnitResults {
        failed = List.copyOf(failed);
    }

    /**
     * Counts one result file's test cases from the {@code <testcase>} elements themselves: the counts in suites'
     * attributes are not read, as tools get them wrong.
     *
     * @param fileName only for the error message
     * @param xml the file's contents
     */
    public static JUnitResults parse(String fileName, byte[] xml) throws JUnitResultsException {
        CaseCounter counter = new CaseCounter();
        try {
            secureParser().parse(new InputSource(new ByteArrayInputStream(xml)), counter);
        } catch (SAXParseException e) {
            String where = e.getLineNumber() > 0 ? fileName + ", line " + e.getLineNumber() : fileName;
            throw new JUnitResultsException(where + ": " + e.getMessage());
        } catch (SAXException | IOException e) { // IOException only as the API declares it: the bytes are in memory
            throw new JUnitResultsException(fileName + ": " + e.getMessage());
        }
        return counter.results();
    }

    /** Both files' results together, keeping at most {@value #MAX_FAILED} failed cases. */
    public JUnitResults plus(JUnitResults other) {
        return new JUnitResults(
                tests + other.tests,
                failures + other.failures,
                errors + other.errors,
                skipped + other.skipped,
                Stream.concat(failed.stream(), other.failed.stream())
                        .limit(MAX_FAILED)
                        .toList());
    }

    /** As a JSON-able map, for storing (jsonb) and showing. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("tests", tests);
        map.put("failures", failures);
        map.put("errors", errors);
        map.put("skipped", skipped);
        map.put("failed", failed.stream().map(FailedCase::toMap).toList());
        return map;
    }

    /** The inverse of {@link #toMap()}, for reading back what it stored. */
    @SuppressWarnings("unchecked")
    public static JUnitResults fromMap(Map<String, Object> stored) {
        return new JUnitResults(
                ((Number) stored.get("tests")).intValue(),
                ((Number) stored.get("failures")).intValue(),
                ((Number) stored.get("errors")).intValue(),
                ((Number) stored.get("skipped")).intValue(),
                ((List<Map<String, Object>>) stored.get("failed"))
                        .stream().map(FailedCase::fromMap).toList());
    }

    /** A parser that reads no DTD, entity or XInclude: the files come from users' repositories. */
    private static SAXParser secureParser() {
        try {
            // The JDK's own parser, which knows all the features below (another on the class path may not).
            SAXParserFactory factory = SAXParserFactory.newDefaultInstance();
            factory.setNamespaceAware(true);
            factory.setXIncludeAware(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            SAXParser parser = factory.newSAXParser();
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            return parser;
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK's XML parser lacks a security feature", e);
        }
    }

    /** Counts the test cases as the parser meets them, and keeps the first failed ones. */
    private static final class CaseCounter extends DefaultHandler {
        private Locator locator;
        private int depth;
        private final Deque<String> suites = new ArrayDeque<>();
        private int tests;
        private int failures;
        private int errors;
        private int skipped;
        private final List<FailedCase> failed = new ArrayList<>();

        // The test case being read, if caseDepth > 0.
        private int caseDepth;
        private String classname;
        private String name;
        private boolean caseSkipped;
        private String kind;
        private String message;
        private boolean readingMessage;
        private final FirstLine firstLine = new FirstLine();

        @Override
        public void setDocumentLocator(Locator locator) {
            this.locator = locator;
        }

        @Override
        public void startElement(String uri, String localName, String qName, Attributes attributes)
                throws SAXParseException {
            depth++;
            if (depth == 1 && !localName.equals("testsuites") && !localName.equals("testsuite")) {
                throw new SAXParseException(
                        "the root element is <" + qName + ">, not <testsuites> or <testsuite>", locator);
            }
            if (caseDepth == 0) {
                if (localName.equals("testsuite")) {
                    suites.push(attribute(attributes, "name"));
                } else if (localName.equals("testcase")) {
                    startCase(attributes);
                }
            } else if (depth == caseDepth + 1) {
                if ((localName.equals("failure") || localName.equals("error")) && kind == null) {
                    startVerdict(localName, attribute(attributes, "message"));
                } else if (localName.equals("skipped")) {
                    caseSkipped = true;
                }
            }
        }

        @Override
        public void characters(char[] ch, int start, int length) {
            if (readingMessage) {
                firstLine.add(ch, start, length);
            }
        }

        @Override
        public void endElement(String uri, String localName, String qName) {
            if (readingMessage && depth == caseDepth + 1) {
                message = clip(firstLine.text());
                readingMessage = false;
            } else if (depth == caseDepth) {
                endCase();
            } else if (caseDepth == 0 && localName.equals("testsuite")) {
                suites.pop();
            }
            depth--;
        }

        private void startCase(Attributes attributes) {
            caseDepth = depth;
            classname = attribute(attributes, "classname");
            name = attribute(attributes, "name");
            caseSkipped = false;
            kind = null;
            message = "";
        }

        /** A case's first failure or error decides its kind, as pytest may add an error in teardown to a failure. */
        private void startVerdict(String verdict, String messageAttribute) {
            kind = verdict;
            if (messageAttribute.isBlank()) {
                readingMessage = true;
                firstLine.clear();
            } else {
                message = clip(messageAttribute);
            }
        }

        private void endCase() {
            tests++;
            if (kind != null) {
                if (kind.equals("failure")) {
                    failures++;
                } else {
                    errors++;
                }
                if (failed.size() < MAX_FAILED) {
                    failed.add(new FailedCase(suites.isEmpty() ? "" : suites.peek(), classname, name, kind, message));
                }
            } else if (caseSkipped) {
                skipped++;
            }
            caseDepth = 0;
        }

        JUnitResults results() {
            return new JUnitResults(tests, failures, errors, skipped, failed);
        }

        private static String attribute(Attributes attributes, String name) {
            String value = attributes.getValue(name);
            return value == null ? "" : value;
        }
    }

    /** The first non-blank line of an element's text, kept only as long as a message may be. */
    private static final class FirstLine {
        private final StringBuilder line = new StringBuilder();
        private boolean complete;

        void clear() {
            line.setLength(0);
            complete = false;
        }

        void add(char[] ch, int start, int length) {
            for (int i = start; i < start + length && !complete; i++) {
                char c = ch[i];
                if (c == '\n' || c == '\r') {
                    complete = !line.isEmpty(); // a blank line before the text does not count
                } else if (line.length() <= MAX_MESSAGE_CHARS && !(line.isEmpty() && Character.isWhitespace(c))) {
                    line.append(c);
                }
            }
        }

        String text() {
            return line.toString();
        }
    }

    /** Trimmed, and cut to {@value #MAX_MESSAGE_CHARS} characters with a "…". */
    static String clip(String message) {
        String trimmed = message.strip();
        if (trimmed.length() <= MAX_MESSAGE_CHARS) {
            return trimmed;
        }
        int end = MAX_MESSAGE_CHARS - 1;
        if (Character.isHighSurrogate(trimmed.charAt(end - 1))) {
            end--; // not half a character
        }
        return trimmed.substring(0, end) + "…";
    }
}

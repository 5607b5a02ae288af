package dev.rigfleet.common.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RequestTargetsTest {

    @Test
    void ordinaryTargetsPass() {
        assertNull(RequestTargets.problemOfPath("/fleets/12"));
        assertNull(RequestTargets.problemOfPath("/fleets/a%20b/%E2%82%AC"));
        assertNull(RequestTargets.problemOfQuery("q=lab&page=2"));
        assertNull(RequestTargets.problemOfQuery("q=%F0%9F%A4%96&flag&=x&&"));
        assertNull(RequestTargets.problemOfQuery(null));
    }

    @Test
    void brokenEscapesAreNamed() {
        String notUtf8 = "has a percent-encoding that is not valid UTF-8";
        assertNamedWhereItStands(notUtf8, "/fleets/%zz", "page=1&q=%E2%82", "%FF=1");
        assertEquals("the path " + notUtf8, RequestTargets.problemOfPath("/fleets/%4"));
        assertEquals("the path " + notUtf8, RequestTargets.problemOfPath("/fleets/%"));
        assertEquals("the path " + notUtf8, RequestTargets.problemOfPath("/fleets/%C0%AF"));
        assertEquals("query parameter 'a b' " + notUtf8, RequestTargets.problemOfQuery("a+b=%FF"));
    }

    @Test
    void nulIsRefusedWherever() {
        assertNamedWhereItStands("contains U+0000 (NUL), which is not accepted", "/fleets/x%00", "q=%00", "q%00=1");
    }

    /** {@code problem} is named for the path, for query parameter 'q', and for a query parameter's name. */
    private static void assertNamedWhereItStands(String problem, String path, String badQ, String badName) {
        assertEquals("the path " + problem, RequestTargets.problemOfPath(path));
        assertEquals("query parameter 'q' " + problem, RequestTargets.problemOfQuery(badQ));
        assertEquals("a query parameter's name " + problem, RequestTargets.problemOfQuery(badName));
    }
}

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
        assertEquals("the path " + notUtf8, RequestTargets.problemOfPath("/fleets/%zz"));
        assertEquals("the path " + notUtf8, RequestTargets.problemOfPath("/fleets/%4"));
        assertEquals("the path " + notUtf8, RequestTargets.problemOfPath("/fleets/%"));
        assertEquals("the path " + notUtf8, RequestTargets.problemOfPath("/fleets/%C0%AF"));
        assertEquals("query parameter 'q' " + notUtf8, RequestTargets.problemOfQuery("page=1&q=%E2%82"));
        assertEquals("query parameter 'a b' " + notUtf8, RequestTargets.problemOfQuery("a+b=%FF"));
        assertEquals("a query parameter's name " + notUtf8, RequestTargets.problemOfQuery("%FF=1"));
    }

    @Test
    void nulIsRefusedWherever() {
        String nul = "contains U+0000 (NUL), which is not accepted";
        assertEquals("the path " + nul, RequestTargets.problemOfPath("/fleets/x%00"));
        assertEquals("query parameter 'q' " + nul, RequestTargets.problemOfQuery("q=%00"));
        assertEquals("a query parameter's name " + nul, RequestTargets.problemOfQuery("q%00=1"));
    }
}

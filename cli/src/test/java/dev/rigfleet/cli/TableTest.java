package dev.rigfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsAlignAndMissingCellsShowADash() {
        StringWriter out = new StringWriter();
        new Table("ID", "STATUS", "FWD")
                .row("a1", "READY", "127.0.0.1:2201")
                .row("b", "INIT", null)
                .print(new PrintWriter(out), false);

        assertEquals("ID  STATUS  FWD\na1  READY   127.0.0.1:2201\nb   INIT    -\n", out.toString());
    }

    @Test
    void onATerminalTheHeadingIsBold() {
        StringWriter out = new StringWriter();
        new Table("ID").row("a").print(new PrintWriter(out), true);

        assertEquals("\u001b[1mID\u001b[0m\na\n", out.toString());
    }
}

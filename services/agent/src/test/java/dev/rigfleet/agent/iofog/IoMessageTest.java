package dev.rigfleet.agent.iofog;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The ioMessage encodings, against bytes laid out by hand as the SDKs write them. */
class IoMessageTest {

    private final ObjectMapper json = new ObjectMapper();

    /** id "abc", timestamp 1700000000000, publisher "pub1", infotype "text", infoformat "utf-8", content "hi". */
    private static final String EXAMPLE = "0004" + "03" + "0000" + "00" + "00" + "00" + "00" + "08" + "04" + "0000"
            + "0000" + "00" + "0000" + "0000" + "0000" + "00" + "04" + "05" + "00000000" + "00000002"
            + "616263" + "0000018bcfe56800" + "70756231" + "74657874" + "7574662d38" + "6869";

    @Test
    void theBinaryFormIsTheSdksByteForByte() throws Exception {
        IoMessage message = IoMessage.fromJson(json.readTree("{\"id\":\"abc\",\"timestamp\":1700000000000,"
                + "\"publisher\":\"pub1\",\"infotype\":\"text\",\"infoformat\":\"utf-8\",\"contentdata\":\"aGk=\"}"));
        byte[] bytes = message.toBytes();
        assertEquals(59, bytes.length);
        assertArrayEquals(HexFormat.of().parseHex(EXAMPLE), bytes);

        IoMessage read = IoMessage.fromBytes(HexFormat.of().parseHex(EXAMPLE));
        assertEquals("abc", read.id());
        assertEquals("pub1", read.publisher());
        assertEquals(1700000000000L, read.timestamp());
        assertEquals("aGk=", read.toJson().path("contentdata").asText());
        assertEquals(4, read.toJson().path("version").asInt());
        assertEquals("", read.toJson().path("contextdata").asText());
    }

    @Test
    void badMessagesAreRefused() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> IoMessage.fromBytes(new byte[] {0, 3, 0}));
        byte[] truncated = HexFormat.of().parseHex(EXAMPLE.substring(0, EXAMPLE.length() - 4));
        assertThrows(IllegalArgumentException.class, () -> IoMessage.fromBytes(truncated));
        assertThrows(
                IllegalArgumentException.class,
                () -> IoMessage.fromJson(json.readTree("{\"infotype\":\"t\",\"infoformat\":\"f\"}")));
        assertThrows(
                IllegalArgumentException.class,
                () -> IoMessage.fromJson(
                        json.readTree("{\"infotype\":\"t\",\"infoformat\":\"f\",\"contentdata\":\"not base64!\"}")));
        assertThrows(
                IllegalArgumentException.class,
                () -> IoMessage.fromJson(json.readTree(
                        "{\"infotype\":\"t\",\"infoformat\":\"f\",\"contentdata\":\"\",\"priority\":\"high\"}")));
    }
}

package dev.rigfleet.agent.iofog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ioMessage as the ioFog SDKs write and read it: JSON with twenty lower-case keys over REST ({@code contextdata}
 * and {@code contentdata} in Base64), and version 4 of the binary encoding on the message WebSocket — a 33-byte header
 * of big-endian field lengths, then the present fields in header order.
 */
public final class IoMessage {

    static final int VERSION = 4;

    /** A field: its name, its kind, and the width of its length in the binary header. */
    private record Field(String name, Kind kind, int lengthWidth) {}

    private enum Kind {
        TEXT,
        INT, // 4 bytes
        BYTE, // 1 byte
        LONG, // 8 bytes
        DATA // raw bytes, Base64 in JSON
    }

    /** The binary header's fields after the version, in order. */
    private static final List<Field> FIELDS = List.of(
            new Field("id", Kind.TEXT, 1),
            new Field("tag", Kind.TEXT, 2),
            new Field("groupid", Kind.TEXT, 1),
            new Field("sequencenumber", Kind.INT, 1),
            new Field("sequencetotal", Kind.INT, 1),
            new Field("priority", Kind.BYTE, 1),
            new Field("timestamp", Kind.LONG, 1),
            new Field("publisher", Kind.TEXT, 1),
            new Field("authid", Kind.TEXT, 2),
            new Field("authgroup", Kind.TEXT, 2),
            new Field("chainposition", Kind.LONG, 1),
            new Field("hash", Kind.TEXT, 2),
            new Field("previoushash", Kind.TEXT, 2),
            new Field("nonce", Kind.TEXT, 2),
            new Field("difficultytarget", Kind.INT, 1),
            new Field("infotype", Kind.TEXT, 1),
            new Field("infoformat", Kind.TEXT, 1),
            new Field("contextdata", Kind.DATA, 4),
            new Field("contentdata", Kind.DATA, 4));

    static final int HEADER_BYTES =
            2 + FIELDS.stream().mapToInt(Field::lengthWidth).sum();

    /** Values by field name: String for text, Long for numbers, byte[] for data. */
    private final Map<String, Object> values;

    private IoMessage(Map<String, Object> values) {
        this.values = values;
    }

    public String id() {
        return (String) values.get("id");
    }

    public String publisher() {
        return (String) values.get("publisher");
    }

    public long timestamp() {
        return (Long) values.get("timestamp");
    }

    /** The message as the platform stamps it when published: a fresh id, the time, and the true publisher. */
    public IoMessage published(String newId, long at, String by) {
        Map<String, Object> stamped = new LinkedHashMap<>(values);
        stamped.put("id", newId);
        stamped.put("timestamp", at);
        stamped.put("publisher", by);
        return new IoMessage(stamped);
    }

    /**
     * Reads the JSON form. Strings and numbers may be missing (empty, 0); {@code infotype}, {@code infoformat} and
     * {@code contentdata} are required, as the reference agent requires them.
     */
    public static IoMessage fromJson(JsonNode json) {
        for (String required : List.of("infotype", "infoformat", "contentdata")) {
            if (!json.hasNonNull(required)) {
                throw new IllegalArgumentException("Missing input field " + required);
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field field : FIELDS) {
            JsonNode value = json.path(field.name());
            switch (field.kind()) {
                case TEXT -> values.put(field.name(), value.isMissingNode() || value.isNull() ? "" : value.asText());
                case DATA -> values.put(field.name(), base64(field.name(), value.asText("")));
                default -> {
                    if (!value.isMissingNode()
                            && !value.isNull()
                            && !value.asText().matches("-?\\d{1,19}")) {
                        throw new IllegalArgumentException(field.name() + " must be a whole number");
                    }
                    values.put(field.name(), value.asLong(0));
                }
            }
        }
        if (((String) values.get("infotype")).isBlank() || ((String) values.get("infoformat")).isBlank()) {
            throw new IllegalArgumentException("infotype and infoformat must not be blank");
        }
        return new IoMessage(values);
    }

    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        for (Field field : FIELDS) {
            Object value = values.get(field.name());
            switch (field.kind()) {
                case TEXT -> json.put(field.name(), (String) value);
                case DATA -> json.put(field.name(), Base64.getEncoder().encodeToString((byte[]) value));
                default -> json.put(field.name(), (Long) value);
            }
            if (field.name().equals("authgroup")) {
                json.put("version", VERSION); // where the SDKs put it
            }
        }
        return json;
    }

    /** Reads the binary encoding; fails on anything but version 4 or a length past the end. */
    public static IoMessage fromBytes(byte[] bytes) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (bytes.length < HEADER_BYTES || Short.toUnsignedInt(buffer.getShort()) != VERSION) {
            throw new IllegalArgumentException("not an ioMessage of version " + VERSION);
        }
        long[] lengths = new long[FIELDS.size()];
        for (int i = 0; i < FIELDS.size(); i++) {
            lengths[i] = switch (FIELDS.get(i).lengthWidth()) {
                case 1 -> Byte.toUnsignedInt(buffer.get());
                case 2 -> Short.toUnsignedInt(buffer.getShort());
                default -> Integer.toUnsignedLong(buffer.getInt());
            };
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i < FIELDS.size(); i++) {
            Field field = FIELDS.get(i);
            if (lengths[i] > buffer.remaining()) {
                throw new IllegalArgumentException("the ioMessage ends inside " + field.name());
            }
            byte[] raw = new byte[(int) lengths[i]];
            buffer.get(raw);
            values.put(
                    field.name(),
                    switch (field.kind()) {
                        case TEXT -> new String(raw, StandardCharsets.UTF_8);
                        case DATA -> raw;
                        default -> unsigned(raw);
                    });
        }
        return new IoMessage(values);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        header.write(0);
        header.write(VERSION);
        for (Field field : FIELDS) {
            byte[] raw = switch (field.kind()) {
                case TEXT -> ((String) values.get(field.name())).getBytes(StandardCharsets.UTF_8);
                case DATA -> (byte[]) values.get(field.name());
                case INT -> number((Long) values.get(field.name()), 4);
                case BYTE -> number((Long) values.get(field.name()), 1);
                case LONG -> number((Long) values.get(field.name()), 8);
            };
            long length = raw.length;
            for (int shift = (field.lengthWidth() - 1) * 8; shift >= 0; shift -= 8) {
                header.write((int) (length >>> shift) & 0xFF);
            }
            data.writeBytes(raw);
        }
        header.writeBytes(data.toByteArray());
        return header.toByteArray();
    }

    /** A number's big-endian bytes, none when it is 0 (as the SDKs encode absent numbers). */
    private static byte[] number(long value, int width) {
        if (value == 0) {
            return new byte[0];
        }
        byte[] bytes = new byte[width];
        for (int i = 0; i < width; i++) {
            bytes[i] = (byte) (value >>> (8 * (width - 1 - i)));
        }
        return bytes;
    }

    private static long unsigned(byte[] raw) {
        long value = 0;
        for (byte b : raw) {
            value = value << 8 | Byte.toUnsignedInt(b);
        }
        return value;
    }

    private static byte[] base64(String field, String text) {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " must be Base64");
        }
    }
}

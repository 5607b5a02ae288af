package dev.rigfleet.common.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MutableCoercionConfig;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * How every rigfleet service reads JSON (request bodies, and what its REST clients receive). Jackson's defaults are
 * lenient; the services are not:
 *
 * <ul>
 *   <li>A key given twice in one object is refused (by default the last one silently wins, and on a record whose
 *       fields are all set already Jackson fails with an internal error).
 *   <li>No scalar coercion: {@code true} or {@code 1} is not a string, {@code "2"} is not a number, {@code "true"} or
 *       {@code 1} is not a boolean, {@code 2.5} (or {@code 2.0}) is not a whole number, {@code ""} is not a number or
 *       boolean, and a number is not an enum. A whole number is still a valid floating-point number.
 *   <li>Strings and object keys that contain U+0000 or an unpaired surrogate are refused ({@link StoredText}).
 * </ul>
 *
 * <p>Each refusal is a {@code JsonProcessingException} that the common error mappers answer with 400 and the field's
 * name. What follows the first JSON value is still ignored: the registry's supervisor proxy, which parses its body
 * with this mapper, takes the spec's example with a stray quote after it, as the reference does. The agent does not
 * use this module: its local supervisor APIs keep Jackson's defaults.
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature());
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

        refuseCoercion(
                mapper,
                LogicalType.Textual,
                CoercionInputShape.Integer,
                CoercionInputShape.Float,
                CoercionInputShape.Boolean);
        refuseCoercion(
                mapper,
                LogicalType.Integer,
                CoercionInputShape.String,
                CoercionInputShape.EmptyString,
                CoercionInputShape.Float);
        refuseCoercion(mapper, LogicalType.Float, CoercionInputShape.String, CoercionInputShape.EmptyString);
        refuseCoercion(
                mapper,
                LogicalType.Boolean,
                CoercionInputShape.String,
                CoercionInputShape.EmptyString,
                CoercionInputShape.Integer);
        refuseCoercion(mapper, LogicalType.Enum, CoercionInputShape.Integer);

        mapper.registerModule(new SimpleModule("rigfleet-stored-text")
                .addDeserializer(String.class, new StoredStringDeserializer())
                .addKeyDeserializer(String.class, new StoredKeyDeserializer()));
    }

    /** Reading a JSON value of any of {@code shapes} as a {@code type} fails instead of coercing it. */
    private static void refuseCoercion(ObjectMapper mapper, LogicalType type, CoercionInputShape... shapes) {
        MutableCoercionConfig coercions = mapper.coercionConfigFor(type);
        for (CoercionInputShape shape : shapes) {
            coercions.setCoercion(shape, CoercionAction.Fail);
        }
    }

    /** Jackson's own string reading (with the coercion rules above), then {@link StoredText}. */
    static final class StoredStringDeserializer extends StringDeserializer {

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            String text = super.deserialize(parser, context);
            String problem = text == null ? null : StoredText.problem(text);
            if (problem != null) {
                throw new UnacceptableTextException(parser, problem, false);
            }
            return text;
        }
    }

    /** Keys of {@code Map<String, …>} bodies (environment variables, tags), under the same rule. */
    static final class StoredKeyDeserializer extends KeyDeserializer {

        @Override
        public Object deserializeKey(String key, DeserializationContext context) throws IOException {
            String problem = StoredText.problem(key);
            if (problem != null) {
                throw new UnacceptableTextException(context.getParser(), problem, true);
            }
            return key;
        }
    }
}

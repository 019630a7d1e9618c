package org.legonet.core.store;

import org.legonet.core.StoreException;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one JSON reader of the store's files ({@code manifest.json}, {@code deletions.jsonl}): every
 * record component is required unless marked {@link OptionalField}, unknown keys, duplicate keys,
 * explicit nulls for numbers, trailing content and type coercions (a string for a number, a
 * fraction for an integer, a number for a string) are refused. Its errors are one line naming the
 * field by its path, for example {@code adapters[3].sha256}.
 */
final class StrictJson {
    private StrictJson() {
    }

    /** Everything is required unless marked optional. */
    private static final class RequiredByDefault extends JacksonAnnotationIntrospector {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean hasRequiredMarker(AnnotatedMember m) {
            return !m.hasAnnotation(OptionalField.class);
        }
    }

    static final ObjectMapper MAPPER = strict();

    private static ObjectMapper strict() {
        ObjectMapper m = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .annotationIntrospector(new RequiredByDefault())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .build();
        return m;
    }

    /** Reads JSON text into a tree (duplicate keys and trailing content refused). */
    static JsonNode tree(byte[] bytes, String where) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw new StoreException(where + " is empty");
            }
            return n;
        } catch (IOException e) {
            throw new StoreException(where + " is not valid JSON (not a valid LegoNet file): " + firstLine(e));
        }
    }

    /** Binds a tree to {@code type}, refusing anything {@link StrictJson} refuses. */
    static <T> T bind(JsonNode tree, Class<T> type, String where) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new StoreException(where + ": " + describe(e));
        }
    }

    /** Reads JSON text straight into {@code type}. */
    static <T> T read(byte[] bytes, Class<T> type, String where) {
        return bind(tree(bytes, where), type, where);
    }

    private static String describe(Exception e) {
        if (e instanceof UnrecognizedPropertyException u) {
            String at = path(u, 1);
            return "unknown field '" + u.getPropertyName() + "'" + (at.isEmpty() ? "" : " in " + at);
        }
        if (e instanceof JsonMappingException m) {
            String at = path(m, 0);
            String msg = firstLine(e);
            if (msg.startsWith("Missing required creator property")) {
                return "field " + at + " is missing";
            }
            if (msg.startsWith("Cannot map `null`")) {
                return "field " + at + " is null";
            }
            return (at.isEmpty() ? "" : "field " + at + " is invalid: ") + msg;
        }
        return firstLine(e);
    }

    /** The JSON path of a mapping error, such as {@code adapters[3].sha256}, less {@code drop} last steps. */
    private static String path(JsonMappingException e, int drop) {
        StringBuilder s = new StringBuilder();
        var refs = e.getPath();
        for (int i = 0; i < refs.size() - drop; i++) {
            JsonMappingException.Reference r = refs.get(i);
            if (r.getFieldName() != null) {
                s.append(s.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            }
        }
        return s.toString();
    }

    private static String firstLine(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse("unreadable JSON");
    }
}

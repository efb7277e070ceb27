package ams.agents;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/**
 * The JSON mapping of what this module reads outside a request: the fold's configuration documents
 * and merge patches, and the answers of other instances. Deliberately not the HTTP contract's
 * {@code ServiceJson} (which answers the routes): a replay must parse the documents of an old log
 * exactly as they were parsed when first folded, whatever the HTTP mapping later becomes, so this
 * one stays as it was (snake_case; text after a document ignored; unknown fields of a peer's
 * answer, from a newer version, ignored).
 */
final class Json {

    private static final ObjectMapper MAPPER =
            new ObjectMapper()
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private Json() {}

    /** Configured once and never changed: safe to share across threads. */
    static ObjectMapper mapper() {
        return MAPPER;
    }
}

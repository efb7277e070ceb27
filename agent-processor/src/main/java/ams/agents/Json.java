package ams.agents;

import ams.service.http.ServiceJson;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The shared snake_case mapping ({@link ServiceJson}) with two leniencies this module needs where
 * it reads JSON it did not receive as a request: the fold parses configuration documents and merge
 * patches exactly as it always did (a replay of an old log must rebuild the same state, so text
 * after the document is ignored as before), and answers read from another instance may carry fields
 * a newer version added.
 */
final class Json {

    private static final ObjectMapper LENIENT =
            ServiceJson.mapper()
                    .copy()
                    .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {}

    /** Configured once and never changed: safe to share across threads. */
    static ObjectMapper mapper() {
        return LENIENT;
    }
}

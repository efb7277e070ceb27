package ams.agents;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

/**
 * The JSON settings of this module: snake_case field names as in the original AMS-DB and the HTTP
 * contract.
 */
final class Json {

    private Json() {}

    /**
     * A new mapper per caller: mappers are cheap to share within one component but must not be
     * global state.
     */
    static ObjectMapper mapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    }
}

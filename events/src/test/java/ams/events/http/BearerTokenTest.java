package ams.events.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BearerTokenTest {

    private final BearerToken token = BearerToken.of("s3cret").orElseThrow();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/health",
                "/openapi.json",
                "/docs",
                "/docs/",
                "/docs/routes",
                "/docs/assets/swagger-ui-bundle.js"
            })
    void livenessAndDocumentationAnswerWithoutAToken(String path) {
        assertTrue(token.admits(path, null), path);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/agents",
                "/system/status",
                "/docsx",
                "/openapi.json/x",
                "/docs/../agents",
                "/docs/..%2fagents",
                "/docs/%2e%2e/system/status",
                "/health/x"
            })
    void everythingElseNeedsTheToken(String path) {
        assertFalse(token.admits(path, null), path);
        assertFalse(token.admits(path, "Bearer wrong"), path);
        assertTrue(token.admits(path, "Bearer s3cret"), path);
    }
}

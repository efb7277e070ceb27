package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.exception.RateLimitException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryAfterHttpClientTest {

    private static HttpHeaders headers(Map<String, List<String>> map) {
        return HttpHeaders.of(map, (a, b) -> true);
    }

    @Test
    void shouldReadSecondsDatesAndOpenAisMilliseconds() {
        assertEquals(
                Optional.of(Duration.ofSeconds(2)),
                RetryAfterHttpClient.parseRetryAfter(headers(Map.of("Retry-After", List.of("2")))));
        assertEquals(
                Optional.of(Duration.ofMillis(1500)),
                RetryAfterHttpClient.parseRetryAfter(
                        headers(
                                Map.of(
                                        "retry-after-ms",
                                        List.of("1500"),
                                        "retry-after",
                                        List.of("9")))));
        String inTenSeconds =
                ZonedDateTime.now(ZoneOffset.UTC)
                        .plusSeconds(10)
                        .format(DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = RetryAfterHttpClient.parseRetryAfter(inTenSeconds).orElseThrow();
        assertTrue(d.toSeconds() >= 8 && d.toSeconds() <= 10, d.toString());
        assertEquals(Optional.empty(), RetryAfterHttpClient.parseRetryAfter("soon"));
        assertEquals(Optional.empty(), RetryAfterHttpClient.parseRetryAfter(headers(Map.of())));
    }

    @Test
    void shouldFindTheRetryAfterUnderLangChainsRateLimitException() {
        RetryAfterHttpClient.RetryAfterException cause =
                new RetryAfterHttpClient.RetryAfterException(
                        429, "{}", Optional.of(Duration.ofSeconds(3)));
        assertEquals(
                Optional.of(Duration.ofSeconds(3)),
                RetryAfterHttpClient.retryAfter(new RateLimitException(cause)));
        assertEquals(
                Optional.empty(), RetryAfterHttpClient.retryAfter(new RateLimitException("x")));
    }
}

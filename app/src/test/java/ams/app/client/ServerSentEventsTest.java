package ams.app.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.app.client.RestClient.ServerSentEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text/event-stream format as {@link RestClient#stream} reads it. */
class ServerSentEventsTest {

    @Test
    void namesIdsMultiLineDataAndHeartbeats() throws IOException {
        String wire =
                ": heartbeat\n\n"
                        + "event: message\nid: 3\ndata: {\"content\":\"hi\"}\n\n"
                        + "event:token\ndata:{\"text\":\"O\"}\n\n"
                        + "data: line one\ndata: line two\n\n"
                        + "retry: 1000\n\n"
                        + "event: end\ndata: {}\n";
        List<ServerSentEvent> events = new ArrayList<>();
        RestClient.readEvents(new BufferedReader(new StringReader(wire)), events::add);
        assertEquals(
                List.of(
                        new ServerSentEvent("message", "3", "{\"content\":\"hi\"}"),
                        new ServerSentEvent("token", "3", "{\"text\":\"O\"}"),
                        new ServerSentEvent("message", "3", "line one\nline two")),
                events,
                "the last id holds until another is given (as in the SSE spec); an event without its closing blank line (the stream broke) is not delivered");
    }
}

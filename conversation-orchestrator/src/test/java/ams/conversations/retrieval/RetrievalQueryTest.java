package ams.conversations.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.conversations.worker.ConversationSnapshot.HistoryMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetrievalQueryTest {

    private static final List<HistoryMessage> DIALOGUE =
            List.of(
                    new HistoryMessage(0, "a", "assistant", "Volcanoes erupt  magma."),
                    new HistoryMessage(1, "b", "assistant", "Tides follow the moon."),
                    new HistoryMessage(1, "ann", "user", "What about bees?"),
                    new HistoryMessage(2, "a", "assistant", "Bees make honey."));

    @Test
    void shouldJoinTheTopicAndTheLastMessagesNewestFirst() {
        assertEquals(
                "Nature\nBees make honey.\nWhat about bees?\nTides follow the moon.",
                RetrievalQuery.build("Nature", DIALOGUE, 3, 1000));
    }

    @Test
    void shouldBeTheTopicAloneWithoutRecentTurnsOrHistory() {
        assertEquals("Nature", RetrievalQuery.build("Nature", DIALOGUE, 0, 1000));
        assertEquals("Nature", RetrievalQuery.build(" Nature ", List.of(), 3, 1000));
        assertEquals(
                "Nature\nBees make honey.\nWhat about bees?\nTides follow the moon.\n"
                        + "Volcanoes erupt magma.",
                RetrievalQuery.build("Nature", DIALOGUE, 10, 1000),
                "more turns than messages: all of them, whitespace collapsed");
    }

    @Test
    void shouldCutTheOldestPartWhenTooLong() {
        assertEquals("Nature\nBees make", RetrievalQuery.build("Nature", DIALOGUE, 3, 16));
    }

    @Test
    void shouldCollapseWhitespaceAndSkipBlankMessages() {
        List<HistoryMessage> messy =
                List.of(
                        new HistoryMessage(0, "a", "assistant", "\t Lava\n\n flows  slowly. "),
                        new HistoryMessage(1, "b", "assistant", " \n\t "));
        assertEquals("Rocks\nLava flows slowly.", RetrievalQuery.build("Rocks", messy, 3, 1000));
        assertEquals("Rocks\nLava f", RetrievalQuery.build("Rocks", messy, 3, 12));
    }
}

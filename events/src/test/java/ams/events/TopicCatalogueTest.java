package ams.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopicCatalogueTest {

    @Test
    void shouldNameTopicsUnderThePrefix() {
        TopicCatalogue catalogue = new TopicCatalogue("prod.", 6, (short) 3);
        assertEquals(
                List.of(
                        "prod.agent-events",
                        "prod.conversation-events",
                        "prod.knowledge-events",
                        "prod.job-events",
                        "prod.media-events",
                        "prod.dead-letters"),
                catalogue.all().stream().map(Topic::name).toList());
        assertEquals(6, catalogue.agentEvents().partitions());
        assertEquals(3, catalogue.deadLetters().replicationFactor());
    }

    @Test
    void eventTopicsAreKeptForever() {
        for (Topic<?, ?> topic : TopicCatalogue.defaults().all()) {
            assertEquals("-1", topic.configs().get("retention.ms"), topic.name());
            assertEquals("delete", topic.configs().get("cleanup.policy"), topic.name());
        }
    }

    @Test
    void shouldRefuseNonsenseSizes() {
        assertThrows(
                IllegalArgumentException.class, () -> new TopicCatalogue("ams.", 0, (short) 1));
        assertThrows(
                IllegalArgumentException.class, () -> new TopicCatalogue("ams.", 1, (short) 0));
    }
}

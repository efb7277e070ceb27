package ams.events.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StaticMembershipTest {

    private static final String KEY =
            StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);

    private static Properties streams(String application, String stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, application);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
        StaticMembership.apply(props);
        return props;
    }

    @Test
    void shouldKeepTheIdOfAnInstanceAcrossRestartsAndTellInstancesApart() {
        String once = streams("ams-agents", "/var/lib/ams/a").getProperty(KEY);
        assertEquals(
                once,
                streams("ams-agents", "/var/lib/ams/a").getProperty(KEY),
                "a restart is the same member");
        assertEquals(
                once,
                streams("ams-agents", "/var/lib/ams/x/../a").getProperty(KEY),
                "the same directory, spelled otherwise");
        assertNotEquals(
                once,
                streams("ams-agents", "/var/lib/ams/b").getProperty(KEY),
                "another state directory, another instance");
        assertNotEquals(once, streams("ams-knowledge", "/var/lib/ams/a").getProperty(KEY));
        assertTrue(once.startsWith("ams-agents-"), once);
        assertNotEquals(
                StaticMembership.instanceId("app", "host-1", Path.of("/s")),
                StaticMembership.instanceId("app", "host-2", Path.of("/s")));
    }

    @Test
    void shouldLeaveAnIdTheOperatorConfigured() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ams-agents");
        props.put(KEY, "pod-0");
        StaticMembership.apply(props);
        assertEquals("pod-0", props.getProperty(KEY));
    }
}

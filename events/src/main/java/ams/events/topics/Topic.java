package ams.events.topics;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic of the system: its full name, the serdes of its keys and values, and how it is created.
 * Producers, topologies and tests take their serdes from here, never ad hoc.
 */
public record Topic<K, V>(
        String name,
        Serde<K> keySerde,
        Serde<V> valueSerde,
        int partitions,
        short replicationFactor,
        Map<String, String> configs) {

    public Topic {
        configs = Map.copyOf(configs);
    }

    public NewTopic newTopic() {
        return new NewTopic(name, partitions, replicationFactor).configs(configs);
    }
}

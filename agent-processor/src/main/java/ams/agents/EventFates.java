package ams.agents;

import ams.events.streams.StoreQueries;
import ams.service.http.InstanceRouter;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Finds what became of an agent event ({@link EventFate}) by its id. The id alone does not say
 * which partition holds it (fates live with their agent), so this instance looks in all of its
 * partitions, then asks each other instance once.
 */
final class EventFates {

    private final KafkaStreams streams;
    private final StoreQueries queries;
    private final InstanceRouter router;

    EventFates(KafkaStreams streams, StoreQueries queries, InstanceRouter router) {
        this.streams = streams;
        this.queries = queries;
        this.router = router;
    }

    /** The fate JSON from this instance's partitions only. */
    Optional<String> local(String eventId) {
        return queries.query(
                AgentTopology.FATES_STORE,
                () -> {
                    ReadOnlyWindowStore<String, String> store =
                            streams.store(
                                    StoreQueryParameters.fromNameAndType(
                                            AgentTopology.FATES_STORE,
                                            QueryableStoreTypes.windowStore()));
                    String latest = null;
                    // An event is applied once; a later entry would be a redelivery's same answer.
                    try (WindowStoreIterator<String> entries =
                            store.fetch(
                                    eventId,
                                    Instant.EPOCH,
                                    Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
                        while (entries.hasNext()) {
                            latest = entries.next().value;
                        }
                    }
                    return Optional.ofNullable(latest);
                });
    }

    /** The fate JSON from this instance or, failing that, the first other instance that has it. */
    Optional<String> find(String eventId, String path) {
        Optional<String> here = local(eventId);
        if (here.isPresent()) {
            return here;
        }
        for (HostInfo host : router.hostsOf(AgentTopology.FATES_STORE)) {
            if (host.equals(router.self())) {
                continue;
            }
            InstanceRouter.ForwardedResponse response = router.forward(host, path);
            if (response.status() == 200) {
                return Optional.of(response.body());
            }
        }
        return Optional.empty();
    }
}

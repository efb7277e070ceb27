package ams.conversations.jobs;

import ams.events.streams.StoreQueries;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Reads this instance's part of the {@code jobs} store (routing is the HTTP layer's job). */
public final class JobQueries {

    private final KafkaStreams streams;
    private final StoreQueries storeQueries;

    public JobQueries(KafkaStreams streams, StoreQueries storeQueries) {
        this.streams = streams;
        this.storeQueries = storeQueries;
    }

    public Optional<JobState> job(String jobId) {
        return storeQueries.query(
                JobTopology.JOBS_STORE, () -> Optional.ofNullable(store().get(jobId)));
    }

    public List<JobState> jobs() {
        return storeQueries.query(
                JobTopology.JOBS_STORE,
                () -> {
                    List<JobState> out = new ArrayList<>();
                    try (KeyValueIterator<String, JobState> it = store().all()) {
                        it.forEachRemaining(kv -> out.add(kv.value));
                    }
                    return out;
                });
    }

    private ReadOnlyKeyValueStore<String, JobState> store() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(
                        JobTopology.JOBS_STORE,
                        QueryableStoreTypes.<String, JobState>keyValueStore()));
    }
}

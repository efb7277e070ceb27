package ams.service.http;

import ams.events.http.BearerToken;
import ams.events.streams.StoreQueries;
import ams.events.streams.StoreUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Decides which instance answers for a key of a store and forwards a query to it over HTTP when it
 * is not this one. The owners of a store's partitions are cached between rebalances ({@link
 * PartitionOwners}), so routing a key costs a hash, not a metadata lookup. Each instance must set
 * {@code application.server} to the host:port its HTTP routes listen on.
 */
public final class InstanceRouter {

    /**
     * Header set on forwarded requests so the receiver answers locally instead of forwarding again.
     */
    public static final String FORWARDED_HEADER = "X-Ams-Forwarded";

    /** Where a key lives: here, or at another instance. */
    public sealed interface Owner permits Local, Remote {}

    public record Local() implements Owner {}

    public record Remote(HostInfo host) implements Owner {}

    /** The partition of a key in a store and the instance where it is active. */
    public record KeyLocation(int partition, HostInfo host, boolean local) {}

    private static final Map<String, String> FORWARDED = Map.of(FORWARDED_HEADER, "1");

    private final Optional<BearerToken> token;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final StoreQueries queries;
    private final ForwardClient http;
    private final PartitionOwners owners;

    public InstanceRouter(
            KafkaStreams streams, HostInfo self, StoreQueries queries, Duration requestTimeout) {
        this(streams, self, queries, requestTimeout, Optional.empty());
    }

    /** With the API token that forwards carry, when the instances' ports require one. */
    public InstanceRouter(
            KafkaStreams streams,
            HostInfo self,
            StoreQueries queries,
            Duration requestTimeout,
            Optional<BearerToken> token) {
        this.token = token;
        this.streams = streams;
        this.self = self;
        this.queries = queries;
        this.http = new ForwardClient(Math.toIntExact(requestTimeout.toMillis()));
        this.owners = new PartitionOwners(streams);
    }

    public HostInfo self() {
        return self;
    }

    public <K> Owner ownerOf(String store, K key, Serializer<K> keySerializer) {
        KeyLocation location = locate(store, key, keySerializer);
        return location.local() ? new Local() : new Remote(location.host());
    }

    /**
     * Where {@code key} of {@code store} is active. While there is no metadata yet, or a partition
     * has no active owner (a rebalance in progress), retries up to the query wait, then throws
     * {@link StoreUnavailableException}.
     */
    public <K> KeyLocation locate(String store, K key, Serializer<K> keySerializer) {
        PartitionOwners.Owner owner =
                queries.query(store, () -> owners.locate(store, key, keySerializer));
        return new KeyLocation(owner.partition(), owner.host(), owner.host().equals(self));
    }

    /** Every instance that hosts a part of the store, this one included (for fan-out queries). */
    public List<HostInfo> hostsOf(String store) {
        Collection<StreamsMetadata> all =
                queries.query(
                        store,
                        () -> {
                            Collection<StreamsMetadata> m = streams.streamsMetadataForStore(store);
                            if (m.isEmpty()) {
                                throw new org.apache.kafka.streams.errors
                                        .InvalidStateStoreException(
                                        "No instance hosts " + store + " yet");
                            }
                            return m;
                        });
        return all.stream().map(StreamsMetadata::hostInfo).distinct().toList();
    }

    /** GETs {@code pathAndQuery} from another instance, marked as forwarded. */
    public ForwardClient.Response forward(HostInfo host, String pathAndQuery) {
        Map<String, String> headers =
                token.map(t -> Map.of(FORWARDED_HEADER, "1", "Authorization", t.headerValue()))
                        .orElse(FORWARDED);
        try {
            return http.get(host.host(), host.port(), pathAndQuery, headers);
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "Instance " + host + " that owns this key did not answer: " + e, e);
        }
    }
}

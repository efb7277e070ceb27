package ams.service.http;

import ams.events.http.BearerToken;
import ams.events.streams.StoreQueries;
import ams.events.streams.StoreUnavailableException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Decides which instance answers for a key of a store ({@code queryMetadataForKey}) and forwards a
 * query to it over HTTP when it is not this one. Each instance must set {@code application.server}
 * to the host:port its HTTP routes listen on.
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

    /** An answer from another instance, passed on as it came. */
    public record ForwardedResponse(int status, String body) {}

    private final Optional<BearerToken> token;
    private final KafkaStreams streams;
    private final HostInfo self;
    private final StoreQueries queries;
    private final HttpClient http;
    private final Duration requestTimeout;

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
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
    }

    public HostInfo self() {
        return self;
    }

    public <K> Owner ownerOf(String store, K key, Serializer<K> keySerializer) {
        KeyQueryMetadata metadata =
                queries.query(
                        store,
                        () -> {
                            KeyQueryMetadata m =
                                    streams.queryMetadataForKey(store, key, keySerializer);
                            if (m == null || m.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
                                throw new org.apache.kafka.streams.errors
                                        .InvalidStateStoreException(
                                        "No metadata yet for store " + store);
                            }
                            return m;
                        });
        HostInfo active = metadata.activeHost();
        return active.equals(self) ? new Local() : new Remote(active);
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
    public ForwardedResponse forward(HostInfo host, String pathAndQuery) {
        URI uri = URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(uri)
                        .timeout(requestTimeout)
                        .header(FORWARDED_HEADER, "1")
                        .GET();
        token.ifPresent(t -> builder.header("Authorization", t.headerValue()));
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            return new ForwardedResponse(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new StoreUnavailableException(
                    "Instance " + host + " that owns this key did not answer: " + e.getMessage(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("Interrupted while asking " + host, e);
        }
    }
}

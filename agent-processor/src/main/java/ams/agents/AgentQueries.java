package ams.agents;

import ams.agents.AgentViews.Activity;
import ams.agents.AgentViews.Agent;
import ams.agents.AgentViews.AgentFilter;
import ams.agents.AgentViews.AgentPage;
import ams.agents.AgentViews.History;
import ams.agents.AgentViews.HistoryEntry;
import ams.agents.state.AgentActivity;
import ams.agents.state.AgentState;
import ams.events.streams.StoreQueries;
import ams.events.streams.StoreUnavailableException;
import ams.service.http.ForwardClient;
import ams.service.http.InstanceRouter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Interactive queries of the agent stores, for the whole application: a key owned by another
 * instance is asked of that instance over HTTP, a listing asks every instance. The {@code local*}
 * methods answer from this instance only (what a forwarded request gets). While a store migrates or
 * restores, queries retry up to {@code query.max.wait.ms}, then throw {@link
 * StoreUnavailableException}.
 */
public final class AgentQueries {

    /** Where a key's partition is active: here (with the partition), or elsewhere. */
    public sealed interface Location permits Here, There {}

    public record Here(int partition) implements Location {}

    public record There(HostInfo host) implements Location {}

    private final KafkaStreams streams;
    private final StoreQueries storeQueries;
    private final InstanceRouter router;
    private final ObjectMapper mapper;
    private final Serializer<String> keySerializer = Serdes.String().serializer();
    private final ServedAgents served;
    private final PartitionStores<AgentActivity> activityStore;

    public AgentQueries(
            KafkaStreams streams,
            StoreQueries storeQueries,
            InstanceRouter router,
            ServedAgents served,
            ObjectMapper mapper) {
        this.streams = streams;
        this.storeQueries = storeQueries;
        this.router = router;
        this.mapper = mapper;
        this.served = served;
        this.activityStore = new PartitionStores<>(streams, AgentTopology.ACTIVITY_STORE);
    }

    public HostInfo self() {
        return router.self();
    }

    /**
     * Which instance answers for {@code key} in {@code store}: a hash and a lookup in the owners
     * the router keeps between rebalances (see {@link InstanceRouter#locate}).
     */
    public Location locate(String store, String key) {
        InstanceRouter.KeyLocation location = router.locate(store, key, keySerializer);
        return location.local() ? new Here(location.partition()) : new There(location.host());
    }

    /** Which instance answers for the agent's row ({@code GET /agents/{id}}). */
    public Location locateAgent(String agentId) {
        return locate(AgentTopology.AGENTS_STORE, agentId);
    }

    /**
     * The key's partition once this instance is its active owner: for a request another instance
     * forwarded here while the two disagree about ownership (a rebalance in progress).
     */
    public int awaitLocalPartition(String store, String key) {
        return storeQueries.query(
                store,
                () -> {
                    if (locate(store, key) instanceof Here here) {
                        return here.partition();
                    }
                    throw new InvalidStateStoreException(
                            "'"
                                    + key
                                    + "' in "
                                    + store
                                    + " is owned elsewhere by this instance's metadata");
                });
    }

    // --- whole application ---------------------------------------------------------------------

    public Optional<Agent> agent(String agentId) {
        Location location = locate(AgentTopology.AGENTS_STORE, agentId);
        if (location instanceof Here here) {
            return localAgent(agentId, here.partition());
        }
        return remote(((There) location).host(), "/agents/" + encode(agentId), Agent.class);
    }

    public Optional<Agent> asOf(String agentId, Instant asOf) {
        Location location = locate(AgentTopology.HISTORY_STORE, agentId);
        if (location instanceof Here here) {
            return localAsOf(agentId, asOf, here.partition());
        }
        return remote(
                ((There) location).host(),
                "/agents/" + encode(agentId) + "/config?asOf=" + encode(asOf.toString()),
                Agent.class);
    }

    public Optional<History> history(String agentId) {
        Location location = locate(AgentTopology.HISTORY_STORE, agentId);
        if (location instanceof Here here) {
            return localHistory(agentId, here.partition());
        }
        return remote(
                ((There) location).host(),
                "/agents/" + encode(agentId) + "/history",
                History.class);
    }

    public Activity activity(String agentId) {
        Location location = locate(AgentTopology.ACTIVITY_STORE, agentId);
        if (location instanceof Here here) {
            return localActivity(agentId, here.partition());
        }
        HostInfo host = ((There) location).host();
        return remote(host, "/agents/" + encode(agentId) + "/activity", Activity.class)
                .orElseThrow(
                        () ->
                                new IllegalStateException(
                                        "Instance " + host + " has no activity route"));
    }

    /**
     * Agents sorted by id; asks every instance for its first {@code offset + limit} matches and
     * merges them.
     */
    public AgentPage agents(AgentFilter filter, int offset, int limit) {
        int wanted = offset + limit;
        List<Agent> merged = new ArrayList<>();
        long total = 0;
        for (HostInfo host : router.hostsOf(AgentTopology.AGENTS_STORE)) {
            AgentPage part =
                    host.equals(router.self())
                            ? localAgents(filter, 0, wanted)
                            : remote(
                                            host,
                                            "/agents?offset=0&limit=" + wanted + listFilter(filter),
                                            AgentPage.class)
                                    .orElseThrow(
                                            () ->
                                                    new StoreUnavailableException(
                                                            "Instance "
                                                                    + host
                                                                    + " did not list its agents",
                                                            null));
            merged.addAll(part.agents());
            total += part.total();
        }
        merged.sort(Comparator.comparing(Agent::agentId));
        List<Agent> page =
                merged.subList(Math.min(offset, merged.size()), Math.min(wanted, merged.size()));
        return new AgentPage(List.copyOf(page), total, offset, limit);
    }

    // --- this instance only --------------------------------------------------------------------

    public Optional<Agent> localAgent(String agentId, int partition) {
        return Optional.ofNullable(localState(agentId, partition))
                .map(s -> AgentViews.agent(s, mapper));
    }

    /**
     * The agent's JSON as {@code GET /agents/{id}} answers it, written with the stored
     * configuration document as it is stored (JSON text) instead of parsing it into a tree and
     * writing the tree back: the same bytes, without the parse.
     */
    public Optional<byte[]> localAgentJson(String agentId, int partition) {
        return Optional.ofNullable(localState(agentId, partition))
                .map(s -> AgentViews.agentJson(s, mapper));
    }

    private AgentState localState(String agentId, int partition) {
        return storeQueries.query(
                AgentTopology.AGENTS_STORE, () -> served.agents.get(partition, agentId));
    }

    public Optional<Agent> localAsOf(String agentId, Instant asOf, int partition) {
        AgentState state =
                storeQueries.query(
                        AgentTopology.HISTORY_STORE,
                        () -> AgentHistory.asOf(served.history.store(partition), agentId, asOf));
        return Optional.ofNullable(state).map(s -> AgentViews.agent(s, mapper));
    }

    public Optional<History> localHistory(String agentId, int partition) {
        List<AgentState> versions =
                storeQueries.query(
                        AgentTopology.HISTORY_STORE,
                        () -> AgentHistory.versions(served.history.store(partition), agentId));
        if (versions.isEmpty()) {
            return Optional.empty();
        }
        List<HistoryEntry> entries = new ArrayList<>(versions.size());
        for (AgentState version : versions) {
            entries.add(AgentViews.historyEntry(version));
        }
        return Optional.of(new History(agentId, List.copyOf(entries)));
    }

    public Activity localActivity(String agentId, int partition) {
        AgentActivity activity =
                storeQueries.query(
                        AgentTopology.ACTIVITY_STORE, () -> activityStore.get(partition, agentId));
        return AgentViews.activity(agentId, activity);
    }

    /**
     * This instance's agents: the first {@code offset + limit} matches by id, and how many match
     * here.
     */
    public AgentPage localAgents(AgentFilter filter, int offset, int limit) {
        int wanted = offset + limit;
        return storeQueries.query(
                AgentTopology.AGENTS_STORE,
                () -> {
                    TreeMap<String, AgentState> first = new TreeMap<>();
                    long total = 0;
                    ReadOnlyKeyValueStore<String, AgentState> store =
                            streams.store(
                                    StoreQueryParameters.fromNameAndType(
                                            AgentTopology.AGENTS_STORE,
                                            QueryableStoreTypes
                                                    .<String, AgentState>keyValueStore()));
                    try (KeyValueIterator<String, AgentState> all = store.all()) {
                        while (all.hasNext()) {
                            KeyValue<String, AgentState> next = all.next();
                            if (!filter.test(next.value)) {
                                continue;
                            }
                            total++;
                            if (first.size() < wanted || next.key.compareTo(first.lastKey()) < 0) {
                                first.put(next.key, next.value);
                                if (first.size() > wanted) {
                                    first.pollLastEntry();
                                }
                            }
                        }
                    }
                    List<Agent> page =
                            first.values().stream()
                                    .skip(offset)
                                    .map(s -> AgentViews.agent(s, mapper))
                                    .toList();
                    return new AgentPage(page, total, offset, limit);
                });
    }

    // --- plumbing ------------------------------------------------------------------------------

    private <T> Optional<T> remote(HostInfo host, String pathAndQuery, Class<T> type) {
        ForwardClient.Response response = router.forward(host, pathAndQuery);
        if (response.status() == 404) {
            return Optional.empty();
        }
        if (response.status() == 503) {
            throw new StoreUnavailableException("Instance " + host + ": " + response.text(), null);
        }
        if (response.status() != 200) {
            throw new IllegalStateException(
                    "Instance " + host + " answered " + response.status() + ": " + response.text());
        }
        try {
            return Optional.of(mapper.readValue(response.body(), type));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Instance "
                            + host
                            + " answered JSON this version cannot read: "
                            + e.getMessage(),
                    e);
        }
    }

    private static String listFilter(AgentFilter filter) {
        return (filter.tag() == null ? "" : "&tag=" + encode(filter.tag()))
                + (filter.active() == null ? "" : "&active=" + filter.active());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}

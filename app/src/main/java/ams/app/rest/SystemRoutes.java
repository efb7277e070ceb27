package ams.app.rest;

import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code /health}, {@code /system/status}, {@code /system/stats}: is the system up, and how much is
 * in it.
 */
final class SystemRoutes {

    private final Admin admin;
    private final TopicCatalogue topics;
    private final List<SystemComponent> components;
    private final Instant startedAt = Instant.now();

    SystemRoutes(Admin admin, TopicCatalogue topics, List<SystemComponent> components) {
        this.admin = admin;
        this.topics = topics;
        this.components = List.copyOf(components);
    }

    void register(Javalin app) {
        app.get("/health", this::health);
        app.get("/system/status", this::status);
        app.get("/system/stats", this::stats);
    }

    private void health(Context ctx) {
        Map<String, Object> body = new LinkedHashMap<>();
        boolean brokerUp = brokerReachable();
        Map<String, String> parts = componentStates();
        boolean up = brokerUp && parts.values().stream().allMatch(s -> s.equals("RUNNING"));
        body.put("status", up ? "UP" : "DOWN");
        body.put("kafka", brokerUp ? "UP" : "DOWN");
        body.put("components", parts);
        ctx.status(up ? 200 : 503).json(body);
    }

    private void status(Context ctx) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("started_at", startedAt.toString());
        body.put("kafka", brokerReachable() ? "UP" : "DOWN");
        body.put("topics", topics.all().stream().map(Topic::name).toList());
        body.put("components", componentStates());
        ctx.json(body);
    }

    private void stats(Context ctx) throws Exception {
        List<String> names = topics.all().stream().map(Topic::name).toList();
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
        descriptions
                .values()
                .forEach(
                        d ->
                                d.partitions()
                                        .forEach(
                                                p -> {
                                                    earliest.put(
                                                            new TopicPartition(
                                                                    d.name(), p.partition()),
                                                            OffsetSpec.earliest());
                                                    latest.put(
                                                            new TopicPartition(
                                                                    d.name(), p.partition()),
                                                            OffsetSpec.latest());
                                                }));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> start =
                admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
                admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String name : names) {
            long records = 0;
            int partitions = 0;
            for (TopicPartition tp : end.keySet()) {
                if (tp.topic().equals(name)) {
                    partitions++;
                    records += end.get(tp).offset() - start.get(tp).offset();
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("topic", name);
            row.put("partitions", partitions);
            // Offsets, not events: transaction markers take offsets too, so this is an upper bound.
            row.put("offsets", records);
            rows.add(row);
        }
        ctx.json(Map.of("topics", rows));
    }

    private Map<String, String> componentStates() {
        Map<String, String> states = new LinkedHashMap<>();
        components.forEach(c -> states.put(c.name(), c.state().get()));
        return states;
    }

    private boolean brokerReachable() {
        try {
            admin.describeCluster().nodes().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}

package ams.app;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ams.events.Envelopes;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentEvent;
import ams.events.topics.Topic;
import ams.events.topics.TopicCatalogue;
import ams.events.topics.TopicProvisioner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code ams demo}: starts the embedded broker, provisions the topics, publishes the original's
 * wizard agent as an AgentCreated event and reads it back from the topic.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start the embedded broker, publish a sample agent and read it back.")
final class DemoCommand implements Callable<Integer> {

    @Mixin
    BrokerOptions broker;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        TopicCatalogue catalogue = new TopicCatalogue(broker.topicPrefix, TopicCatalogue.DEFAULT_PARTITIONS, (short) 1);
        try (BrokerOptions.Connection connection = broker.connect()) {
            out.printf("Kafka at %s (%s)%n", connection.bootstrapServers(), connection.broker() == null ? "existing cluster" : "embedded, data in " + broker.dataDir.resolve("kafka"));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers()))) {
                TopicProvisioner.Report report = new TopicProvisioner(admin, 30_000).provision(catalogue);
                out.printf("Topics: %d created, %d already there%n", report.created().size(), report.existing().size());
            }
            String template = AgentTemplates.read("wizard_agent_template.json");
            JsonNode config = new ObjectMapper().readTree(template);
            String agentId = config.path("agent_id").asText();
            AgentEvent created = AgentEvent.newBuilder()
                    .setEnvelope(Envelopes.create("ams-demo"))
                    .setAgentId(agentId)
                    .setPayload(AgentCreated.newBuilder().setAgentName("Wizard").setDescription("The original's wizard template")
                            .setTags(List.of("demo", "original-template")).setConfigJson(template).build())
                    .build();
            Topic<String, AgentEvent> topic = catalogue.agentEvents();
            Properties producerProps = new Properties();
            producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers());
            producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
            try (KafkaProducer<String, AgentEvent> producer =
                         new KafkaProducer<>(producerProps, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
                var meta = producer.send(new ProducerRecord<>(topic.name(), agentId, created)).get();
                out.printf("Published AgentCreated %s for %s to %s-%d@%d%n", created.getEnvelope().getEventId(), agentId,
                        meta.topic(), meta.partition(), meta.offset());
            }
            AgentEvent readBack = readBack(connection.bootstrapServers(), topic, created);
            AgentCreated payload = (AgentCreated) readBack.getPayload();
            boolean same = new ObjectMapper().readTree(payload.getConfigJson()).equals(config);
            out.printf("Read back %s: agent '%s' (%s), config equal to the template: %s%n", readBack.getEnvelope().getEventId(),
                    payload.getAgentName(), readBack.getAgentId(), same);
            out.printf("Done in %d ms%n", (System.nanoTime() - started) / 1_000_000);
            return same ? 0 : 1;
        }
    }

    private static AgentEvent readBack(String bootstrap, Topic<String, AgentEvent> topic, AgentEvent expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "ams-demo-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<String, AgentEvent> consumer =
                     new KafkaConsumer<>(props, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            consumer.subscribe(List.of(topic.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, AgentEvent> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value().getEnvelope().getEventId().equals(expected.getEnvelope().getEventId())) {
                        return record.value();
                    }
                }
            }
        }
        throw new IllegalStateException("The published event did not come back from " + topic.name() + " within 30 s");
    }
}

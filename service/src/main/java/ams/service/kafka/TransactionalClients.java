package ams.service.kafka;

import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The client settings exactly-once consume-process-produce rests on, stated once; a worker adds its
 * own (client ids, poll sizes, timeouts) to what these return.
 */
public final class TransactionalClients {

    private TransactionalClients() {}

    /**
     * A consumer that reads committed data only, never commits on its own (offsets go through the
     * producer's transaction), and starts a partition without offsets from its beginning.
     */
    public static Properties consumer(String bootstrapServers, String groupId) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return p;
    }

    /**
     * {@link #consumer(String, String)} as a static member of its group: {@code instanceId} must be
     * stable across restarts of one worker and distinct between workers (its transactional id is
     * both). A dynamic member killed with -9 stays in the group until its session times out (45 s),
     * and until then the group cannot rebalance: its restarted self waits, or gets only the
     * partitions the dead member did not hold, and a worker killed every half minute never catches
     * up. A static member that comes back under the same id replaces its dead self at once. The
     * loop says it leaves when it stops cleanly ({@link TransactionalLoop#close}), so a scale-down
     * does not leave partitions idle for the session timeout.
     */
    public static Properties consumer(String bootstrapServers, String groupId, String instanceId) {
        Properties p = consumer(bootstrapServers, groupId);
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        return p;
    }

    /**
     * An idempotent producer with {@code transactionalId}: a restarted worker with the same id
     * fences its previous incarnation and aborts what that left open.
     */
    public static Properties producer(String bootstrapServers, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }
}

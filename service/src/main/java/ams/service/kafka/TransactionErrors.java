package ams.service.kafka;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Which failures of a transactional round are fatal: the producer (or this group member) can never
 * commit again, or the same round would fail the same way forever. Everything else is abortable:
 * abort the transaction, rewind, and go on.
 *
 * <p>The fatal list is Kafka's own (the {@code KafkaProducer} javadoc and {@code
 * ExactlyOnceMessageProcessor}), written against kafka-clients 4.1:
 *
 * <ul>
 *   <li>{@link ProducerFencedException}: another instance owns our {@code transactional.id};
 *   <li>{@link FencedInstanceIdException}: another member owns our {@code group.instance.id};
 *   <li>{@link OutOfOrderSequenceException} (and its {@code UnknownProducerIdException}): the
 *       broker lost this producer's sequence; the producer cannot continue safely;
 *   <li>{@link InvalidConfigurationException}, 4.x's parent of {@code AuthorizationException}
 *       (transactional id, cluster, topic, group), {@code AuthenticationException}, {@code
 *       UnsupportedVersionException}, {@code UnsupportedForMessageFormatException}, {@code
 *       InvalidTopicException}, {@code RecordBatchTooLargeException}: configuration that no retry
 *       fixes; and {@link InvalidTxnTimeoutException}, the same for {@code transaction.timeout.ms};
 *   <li>{@link SerializationException}: the same record would fail to serialize again;
 *   <li>anything that is not a {@link KafkaException} (an {@code IllegalStateException} of the
 *       producer's state machine, a bug): nothing says an abort would help.
 * </ul>
 *
 * <p>Abortable, by Kafka's own word: {@code TransactionAbortableException} (KIP-890), {@code
 * TimeoutException} (retrying a send in place could duplicate it: KAFKA-18579), {@code
 * CommitFailedException} (the group rebalanced under the offsets), {@code
 * InvalidProducerEpochException} and {@code InvalidPidMappingException} (the producer moves to an
 * abortable state and {@code abortTransaction} bumps its epoch). 4.x files the last two, with
 * {@code ProducerFencedException}, under {@code ApplicationRecoverableException}, so that class as
 * a whole is not a verdict. A producer that is in fact beyond repair also fails {@code
 * abortTransaction}, which {@link TransactionalLoop} treats as fatal: a wrong "abortable" verdict
 * here costs one failed abort, not a duplicate.
 *
 * <p>The cause chain is walked: a producer in a fatal state throws {@code KafkaException("Cannot
 * execute transactional method because we are in an error state", cause)}, and a consumer wraps
 * what a rebalance listener throws.
 */
public final class TransactionErrors {

    private TransactionErrors() {}

    /** Whether {@code failure} must stop the loop rather than abort and retry the round. */
    public static boolean isFatal(Throwable failure) {
        if (!(failure instanceof KafkaException)) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException
                    || t instanceof FencedInstanceIdException
                    || t instanceof OutOfOrderSequenceException
                    || t instanceof InvalidConfigurationException
                    || t instanceof InvalidTxnTimeoutException
                    || t instanceof SerializationException) {
                return true;
            }
        }
        return false;
    }
}

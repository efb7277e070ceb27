package ams.service.kafka;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnTimeoutException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnsupportedForMessageFormatException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

class TransactionErrorsTest {

    @Test
    void shouldStopOnKafkasFatalList() {
        assertTrue(TransactionErrors.isFatal(new ProducerFencedException("fenced")));
        assertTrue(TransactionErrors.isFatal(new FencedInstanceIdException("fenced")));
        assertTrue(TransactionErrors.isFatal(new OutOfOrderSequenceException("sequence")));
        assertTrue(TransactionErrors.isFatal(new UnknownProducerIdException("lost")));
        assertTrue(TransactionErrors.isFatal(new TransactionalIdAuthorizationException("acl")));
        assertTrue(TransactionErrors.isFatal(new ClusterAuthorizationException("acl")));
        assertTrue(TransactionErrors.isFatal(new TopicAuthorizationException("acl")));
        assertTrue(TransactionErrors.isFatal(new AuthenticationException("who")));
        assertTrue(TransactionErrors.isFatal(new SaslAuthenticationException("who")));
        assertTrue(TransactionErrors.isFatal(new UnsupportedVersionException("old broker")));
        assertTrue(TransactionErrors.isFatal(new UnsupportedForMessageFormatException("v1")));
        assertTrue(TransactionErrors.isFatal(new InvalidTxnTimeoutException("too long")));
        assertTrue(TransactionErrors.isFatal(new SerializationException("bad record")));
    }

    @Test
    void shouldFindAFatalCauseInsideAProducersErrorState() {
        assertTrue(
                TransactionErrors.isFatal(
                        new KafkaException(
                                "Cannot execute transactional method because we are in an error"
                                        + " state",
                                new ProducerFencedException("fenced"))));
        assertTrue(
                TransactionErrors.isFatal(
                        new KafkaException(
                                "User rebalance callback throws an error",
                                new KafkaException(new OutOfOrderSequenceException("x")))));
    }

    @Test
    void shouldTreatWhatIsNotAKafkaExceptionAsFatal() {
        assertTrue(TransactionErrors.isFatal(new IllegalStateException("invalid transition")));
        assertTrue(TransactionErrors.isFatal(new NullPointerException()));
    }

    @Test
    void shouldAbortAndRetryEverythingElse() {
        assertFalse(TransactionErrors.isFatal(new TransactionAbortableException("abort me")));
        assertFalse(TransactionErrors.isFatal(new TimeoutException("max.block.ms")));
        assertFalse(TransactionErrors.isFatal(new CommitFailedException("rebalanced")));
        assertFalse(TransactionErrors.isFatal(new InvalidProducerEpochException("old epoch")));
        assertFalse(TransactionErrors.isFatal(new InvalidPidMappingException("expired")));
        assertFalse(TransactionErrors.isFatal(new RecordTooLargeException("big")));
        assertFalse(
                TransactionErrors.isFatal(
                        new KafkaException(
                                "Cannot execute transactional method because we are in an error"
                                        + " state",
                                new TimeoutException("expired batch"))));
    }
}

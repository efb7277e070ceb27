package ams.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests a Kafka cluster, started once per test JVM and shared by every
 * test class (it is closed when the JVM's test run ends). Inject {@link KafkaCluster} or {@link
 * TestKafka} as a test, constructor or lifecycle method parameter.
 */
public final class KafkaClusterExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(KafkaClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == KafkaCluster.class || type == TestKafka.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        SharedCluster shared =
                context.getRoot()
                        .getStore(NAMESPACE)
                        .getOrComputeIfAbsent(
                                SharedCluster.class,
                                k -> new SharedCluster(KafkaClusters.fromEnvironment()),
                                SharedCluster.class);
        Class<?> type = parameter.getParameter().getType();
        if (type == KafkaCluster.class) {
            return shared.cluster();
        }
        if (type == TestKafka.class) {
            return new TestKafka(shared.cluster());
        }
        throw new ParameterResolutionException("Cannot resolve " + type);
    }

    /** Root-store value: JUnit closes AutoCloseable store values when the root context ends. */
    private record SharedCluster(KafkaCluster cluster) implements AutoCloseable {
        @Override
        public void close() {
            cluster.close();
        }
    }
}

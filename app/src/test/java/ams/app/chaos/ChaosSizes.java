package ams.app.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How big a chaos run is. {@link #full()} is issue #8's run; {@link #ci()} the short form the
 * default build runs. Options on the command line override either ({@code --conversations 50}).
 */
public record ChaosSizes(
        int conversations,
        int agentsPerConversation,
        int turns,
        int failingConversations,
        Duration killInterval,
        int minKills,
        int badRecordsPerTopic,
        int badRequests,
        Duration runTimeout,
        long seed) {

    public static ChaosSizes full() {
        return new ChaosSizes(
                300,
                3,
                8,
                3,
                Duration.ofSeconds(5),
                20,
                10_000,
                1_000,
                Duration.ofMinutes(60),
                System.nanoTime());
    }

    public static ChaosSizes ci() {
        return new ChaosSizes(
                30,
                3,
                8,
                2,
                Duration.ofSeconds(6),
                8,
                1_000,
                100,
                Duration.ofMinutes(12),
                System.nanoTime());
    }

    /**
     * {@code [--short] [--conversations N] [--agents N] [--turns N] [--failing N]
     * [--kill-interval-ms N] [--min-kills N] [--bad-records N] [--bad-requests N]
     * [--timeout-minutes N] [--seed N]}
     */
    public static ChaosSizes parse(String... args) {
        List<String> rest = new ArrayList<>(List.of(args));
        ChaosSizes sizes = rest.remove("--short") ? ci() : full();
        for (int i = 0; i < rest.size(); i += 2) {
            String option = rest.get(i);
            if (i + 1 >= rest.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            long value = Long.parseLong(rest.get(i + 1));
            // A seed is any long (the default is System.nanoTime()); every other option is an int.
            int n = option.equals("--seed") ? 0 : Math.toIntExact(value);
            sizes =
                    switch (option) {
                        case "--conversations" ->
                                new ChaosSizes(
                                        n,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--agents" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        n,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--turns" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        n,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--failing" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        n,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--kill-interval-ms" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        Duration.ofMillis(value),
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--min-kills" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        n,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--bad-records" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        n,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--bad-requests" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        n,
                                        sizes.runTimeout,
                                        sizes.seed);
                        case "--timeout-minutes" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        Duration.ofMinutes(value),
                                        sizes.seed);
                        case "--seed" ->
                                new ChaosSizes(
                                        sizes.conversations,
                                        sizes.agentsPerConversation,
                                        sizes.turns,
                                        sizes.failingConversations,
                                        sizes.killInterval,
                                        sizes.minKills,
                                        sizes.badRecordsPerTopic,
                                        sizes.badRequests,
                                        sizes.runTimeout,
                                        value);
                        default -> throw new IllegalArgumentException("unknown option " + option);
                    };
        }
        return sizes;
    }

    @Override
    public String toString() {
        return conversations
                + " conversations ("
                + failingConversations
                + " doomed) of "
                + agentsPerConversation
                + " agents x "
                + turns
                + " turns, a kill every ~"
                + killInterval.toMillis()
                + " ms (at least "
                + minKills
                + "), "
                + badRecordsPerTopic
                + " bad records per topic, "
                + badRequests
                + " bad requests, seed "
                + seed;
    }
}

package ams.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.events.DeadLetter;
import ams.events.DeadLetterReason;
import ams.events.Envelopes;
import ams.events.conversation.ConversationEvent;
import ams.events.topics.TopicCatalogue;
import ams.knowledge.search.DimensionMismatchException;
import ams.knowledge.search.SearchFilters;
import ams.knowledge.search.SearchMode;
import ams.testkit.KafkaClusterExtension;
import ams.testkit.TestEvents;
import ams.testkit.TestKafka;
import ams.testkit.Wait;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(KafkaClusterExtension.class)
class KnowledgeIndexerIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static List<String> ids(List<KnowledgeQueries.SearchHit> hits) {
        return hits.stream().map(h -> h.document().getDocumentId()).toList();
    }

    private static void awaitDocuments(KnowledgeIndexer indexer, String agentId, int count) {
        Wait.until(
                agentId + " has " + count + " documents",
                TIMEOUT,
                () ->
                        indexer.queries().documents(agentId, 0, 1000).total() == count
                                && indexer.queries().searchIndex().documentCount(agentId) == count);
    }

    @Test
    void shouldAddUpdateAndRemoveDocumentsAndRankByMeaning(TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue(3);
        try (KnowledgeIndexer indexer =
                TestIndexers.start(
                        TestIndexers.config(
                                kafka,
                                catalogue,
                                TestIndexers.newApplicationId(),
                                state,
                                TestIndexers.freePort()),
                        TestIndexers.model())) {
            for (LabelledSet.Doc doc : LabelledSet.DOCUMENTS) {
                kafka.send(
                        catalogue.knowledgeEvents(),
                        "alice",
                        Events.added("alice", doc.id(), doc.title(), doc.content()));
            }
            awaitDocuments(indexer, "alice", LabelledSet.DOCUMENTS.size());

            List<KnowledgeQueries.SearchHit> hits =
                    indexer.queries()
                            .search(
                                    "alice",
                                    "what should I give my kitty to eat",
                                    3,
                                    SearchMode.VECTOR,
                                    SearchFilters.NONE);
            assertEquals(
                    "cats",
                    hits.get(0).document().getDocumentId(),
                    "related document first: " + ids(hits));
            assertTrue(hits.get(0).similarity() > hits.get(1).similarity());
            assertEquals("alice", hits.get(0).document().getAgentId());
            assertTrue(hits.get(0).chunkText().contains("taurine"));

            kafka.send(
                    catalogue.knowledgeEvents(),
                    "alice",
                    Events.updated(
                            "alice",
                            "cats",
                            "Quantum physics",
                            "Entangled photons violate Bell inequalities in quantum experiments."));
            // The documents store is written just before the in-memory search index: wait for both.
            Wait.until(
                    "update applied to the store and the search index",
                    TIMEOUT,
                    () ->
                            "Quantum physics"
                                            .equals(
                                                    indexer.queries()
                                                            .document("alice", "cats")
                                                            .getTitle())
                                    && ids(indexer.queries()
                                                    .search(
                                                            "alice",
                                                            "photons",
                                                            3,
                                                            SearchMode.LEXICAL,
                                                            SearchFilters.NONE))
                                            .contains("cats"));
            List<KnowledgeQueries.SearchHit> quantum =
                    indexer.queries()
                            .search(
                                    "alice",
                                    "entanglement of particles",
                                    1,
                                    SearchMode.VECTOR,
                                    SearchFilters.NONE);
            assertEquals("cats", quantum.get(0).document().getDocumentId());
            assertTrue(
                    quantum.get(0).chunkText().contains("photons"),
                    "old chunks replaced: " + quantum.get(0).chunkText());
            assertFalse(
                    ids(indexer.queries()
                                    .search(
                                            "alice",
                                            "feed my kitty taurine",
                                            3,
                                            SearchMode.LEXICAL,
                                            SearchFilters.NONE))
                            .contains("cats"),
                    "the old content is gone from the lexical index");
            assertTrue(
                    indexer.queries().document("alice", "cats").getCreatedAt() != null,
                    "created_at survives an update");

            kafka.send(
                    catalogue.knowledgeEvents(),
                    "alice",
                    Events.removed("alice", "bread", Instant.now()));
            awaitDocuments(indexer, "alice", LabelledSet.DOCUMENTS.size() - 1);
            for (SearchMode mode : SearchMode.values()) {
                assertFalse(
                        ids(indexer.queries()
                                        .search(
                                                "alice",
                                                "bake a loaf of bread dough",
                                                10,
                                                mode,
                                                SearchFilters.NONE))
                                .contains("bread"),
                        "removed document returned in " + mode);
            }
        }
    }

    @Test
    void shouldKeepEachAgentsKnowledgeToItselfAndApplyFilters(
            TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue(3);
        try (KnowledgeIndexer indexer =
                TestIndexers.start(
                        TestIndexers.config(
                                kafka,
                                catalogue,
                                TestIndexers.newApplicationId(),
                                state,
                                TestIndexers.freePort()),
                        TestIndexers.model())) {
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "alice",
                    Events.added(
                            "alice",
                            "a-cats",
                            "Cats",
                            "Cats need taurine in their food.",
                            "vet",
                            List.of("pets"),
                            Instant.now()));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "alice",
                    Events.added(
                            "alice",
                            "a-rain",
                            "Weather",
                            "Rain is expected tomorrow.",
                            "forecast",
                            List.of("weather"),
                            Instant.now()));
            // Bob's document matches the query word for word; Alice must still never see it.
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "bob",
                    Events.added(
                            "bob",
                            "b-kitty",
                            "Kitty food",
                            "What to feed my kitty: taurine rich cat food.",
                            "vet",
                            List.of("pets"),
                            Instant.now()));
            awaitDocuments(indexer, "alice", 2);
            awaitDocuments(indexer, "bob", 1);

            for (SearchMode mode : SearchMode.values()) {
                List<KnowledgeQueries.SearchHit> hits =
                        indexer.queries()
                                .search(
                                        "alice",
                                        "What to feed my kitty: taurine rich cat food",
                                        10,
                                        mode,
                                        SearchFilters.NONE);
                assertTrue(
                        hits.stream().allMatch(h -> h.document().getAgentId().equals("alice")),
                        mode + ": " + ids(hits));
                assertFalse(ids(hits).contains("b-kitty"));
            }
            assertEquals(
                    List.of("b-kitty"),
                    ids(
                            indexer.queries()
                                    .search(
                                            "bob",
                                            "weather rain",
                                            10,
                                            SearchMode.VECTOR,
                                            SearchFilters.NONE)));
            assertEquals(
                    List.of(),
                    indexer.queries()
                            .search("nobody", "cats", 5, SearchMode.HYBRID, SearchFilters.NONE));

            assertEquals(
                    List.of("a-rain"),
                    ids(
                            indexer.queries()
                                    .search(
                                            "alice",
                                            "cats",
                                            5,
                                            SearchMode.VECTOR,
                                            new SearchFilters(
                                                    Set.of("weather"),
                                                    null,
                                                    null,
                                                    Double.NEGATIVE_INFINITY))));
            assertEquals(
                    List.of("a-cats"),
                    ids(
                            indexer.queries()
                                    .search(
                                            "alice",
                                            "rain",
                                            5,
                                            SearchMode.HYBRID,
                                            new SearchFilters(
                                                    Set.of(),
                                                    "vet",
                                                    null,
                                                    Double.NEGATIVE_INFINITY))));
            assertEquals(
                    List.of(),
                    ids(
                            indexer.queries()
                                    .search(
                                            "alice",
                                            "rain",
                                            5,
                                            SearchMode.VECTOR,
                                            new SearchFilters(
                                                    Set.of(),
                                                    null,
                                                    "code",
                                                    Double.NEGATIVE_INFINITY))));
            List<KnowledgeQueries.SearchHit> strict =
                    indexer.queries()
                            .search(
                                    "alice",
                                    "cat nutrition taurine",
                                    5,
                                    SearchMode.VECTOR,
                                    new SearchFilters(Set.of(), null, null, 0.5));
            assertEquals(
                    List.of("a-cats"), ids(strict), "min_similarity drops the unrelated document");
        }
    }

    @Test
    void hybridBeatsVectorAndLexicalOnTheLabelledSet(TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        try (KnowledgeIndexer indexer =
                TestIndexers.start(
                        TestIndexers.config(
                                kafka,
                                catalogue,
                                TestIndexers.newApplicationId(),
                                state,
                                TestIndexers.freePort()),
                        TestIndexers.model())) {
            for (LabelledSet.Doc doc : LabelledSet.DOCUMENTS) {
                kafka.send(
                        catalogue.knowledgeEvents(),
                        "carol",
                        Events.added("carol", doc.id(), doc.title(), doc.content()));
            }
            awaitDocuments(indexer, "carol", LabelledSet.DOCUMENTS.size());
            double vector = meanReciprocalRank(indexer, SearchMode.VECTOR);
            double lexical = meanReciprocalRank(indexer, SearchMode.LEXICAL);
            double hybrid = meanReciprocalRank(indexer, SearchMode.HYBRID);
            assertTrue(
                    hybrid > vector && hybrid > lexical,
                    "MRR hybrid "
                            + hybrid
                            + " must beat vector "
                            + vector
                            + " and lexical "
                            + lexical);
        }
    }

    private static double meanReciprocalRank(KnowledgeIndexer indexer, SearchMode mode) {
        double sum = 0;
        for (LabelledSet.Query query : LabelledSet.QUERIES) {
            List<String> ranked =
                    ids(
                            indexer.queries()
                                    .search("carol", query.text(), 10, mode, SearchFilters.NONE));
            int rank = ranked.indexOf(query.relevantId());
            sum += rank < 0 ? 0 : 1.0 / (rank + 1);
        }
        return sum / LabelledSet.QUERIES.size();
    }

    @Test
    void shouldRebuildTheSearchIndexFromTheStoreOnRestart(
            TestKafka kafka, @TempDir Path state, @TempDir Path wiped) {
        TopicCatalogue catalogue = kafka.newCatalogue(2);
        String application = TestIndexers.newApplicationId();
        Map<String, Object> props =
                TestIndexers.config(kafka, catalogue, application, state, TestIndexers.freePort());
        try (KnowledgeIndexer indexer = TestIndexers.start(props, TestIndexers.model())) {
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "dave",
                    Events.added("dave", "cats", "Feline care", "Cats need taurine."));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "dave",
                    Events.added("dave", "rain", "Weather", "Rain tomorrow afternoon."));
            awaitDocuments(indexer, "dave", 2);
        }
        try (KnowledgeIndexer restarted = TestIndexers.start(props, TestIndexers.model())) {
            Wait.until(
                    "index rebuilt from the local store",
                    TIMEOUT,
                    () -> restarted.queries().searchIndex().documentCount("dave") == 2);
            assertEquals(
                    "cats",
                    restarted
                            .queries()
                            .search("dave", "kitty food", 1, SearchMode.VECTOR, SearchFilters.NONE)
                            .get(0)
                            .document()
                            .getDocumentId());
            assertEquals(
                    0, restarted.worker().documentsIndexed(), "nothing embedded again on restart");
        }
        props.put(KnowledgeIndexerConfig.STATE_DIR, wiped.toString());
        try (KnowledgeIndexer restored = TestIndexers.start(props, TestIndexers.model())) {
            Wait.until(
                    "index rebuilt after restoring the store from its changelog",
                    TIMEOUT,
                    () -> restored.queries().searchIndex().documentCount("dave") == 2);
            assertEquals(
                    "rain",
                    restored.queries()
                            .search(
                                    "dave",
                                    "will it be wet outside",
                                    1,
                                    SearchMode.HYBRID,
                                    SearchFilters.NONE)
                            .get(0)
                            .document()
                            .getDocumentId());
        }
    }

    @Test
    void shouldDeadLetterBadDocumentsAndKeepGoing(TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        FlakyEmbedder flaky = new FlakyEmbedder(TestIndexers.model(), 2);
        try (KnowledgeIndexer indexer =
                TestIndexers.start(
                        TestIndexers.config(
                                kafka,
                                catalogue,
                                TestIndexers.newApplicationId(),
                                state,
                                TestIndexers.freePort()),
                        flaky.embedder())) {
            kafka.sendRaw(
                    catalogue.knowledgeEvents().name(),
                    "erin".getBytes(StandardCharsets.UTF_8),
                    "not avro".getBytes(StandardCharsets.UTF_8));
            kafka.send(catalogue.knowledgeEvents(), "erin", Events.added("erin", "empty", "", ""));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "erin",
                    Events.added("erin", "poison", "Bad", "This text contains POISON."));
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "erin",
                    Events.added("erin", "good", "Good", "Cats need taurine."));

            List<ConsumerRecord<byte[], DeadLetter>> letters =
                    kafka.consume(catalogue.deadLetters(), 3, TIMEOUT);
            Set<DeadLetterReason> reasons =
                    Set.copyOf(letters.stream().map(r -> r.value().getReason()).toList());
            assertEquals(
                    Set.of(
                            DeadLetterReason.UNDECODABLE,
                            DeadLetterReason.INVALID_EVENT,
                            DeadLetterReason.EMBEDDING_FAILED),
                    reasons);
            DeadLetter poison =
                    letters.stream()
                            .filter(r -> r.value().getReason() == DeadLetterReason.EMBEDDING_FAILED)
                            .findFirst()
                            .orElseThrow()
                            .value();
            assertTrue(poison.getDetail().contains("POISON"), poison.getDetail());
            assertEquals(catalogue.knowledgeEvents().name(), poison.getSourceTopic());
            assertTrue(
                    poison.getOriginalValue() != null && poison.getOriginalValue().remaining() > 10,
                    "original bytes kept");

            awaitDocuments(indexer, "erin", 1);
            assertEquals(
                    "good",
                    indexer.queries().documents("erin", 0, 10).documents().get(0).getDocumentId());
            assertTrue(
                    flaky.retriableFailures() >= 2,
                    "retriable failures were retried, not dead-lettered");
        }
    }

    @Test
    void shouldAnswerTemporalGraphQueries(TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue(3);
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        try (KnowledgeIndexer indexer =
                TestIndexers.start(
                        TestIndexers.config(
                                kafka,
                                catalogue,
                                TestIndexers.newApplicationId(),
                                state,
                                TestIndexers.freePort()),
                        TestIndexers.model())) {
            KnowledgeQueries q = indexer.queries();
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "fay",
                    Events.added(
                            "fay",
                            "d1",
                            "Soup",
                            "Tomato soup recipe.",
                            "s",
                            List.of(),
                            t0.plusSeconds(3600)));
            awaitKnowledge(q, "fay", t0.plusSeconds(5400), 1);
            ConversationEvent requested =
                    TestEvents.conversationRequested("c1", "cooking", 4, "fay", "gus");
            kafka.send(
                    catalogue.conversationEvents(),
                    "c1",
                    ConversationEvent.newBuilder(requested)
                            .setEnvelope(Envelopes.create("test", t0.plusSeconds(7200)))
                            .build());
            Wait.until(
                    "participation",
                    TIMEOUT,
                    () -> q.neighbours("conversation:c1", null).size() == 3);
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "fay",
                    Events.added(
                            "fay",
                            "d2",
                            "Bread",
                            "Sourdough bread.",
                            "s",
                            List.of(),
                            t0.plusSeconds(3 * 3600)));
            awaitKnowledge(q, "fay", t0.plusSeconds(3 * 3600 + 1800), 2);
            ConversationEvent completed = TestEvents.completed("c1", 4);
            kafka.send(
                    catalogue.conversationEvents(),
                    "c1",
                    ConversationEvent.newBuilder(completed)
                            .setEnvelope(Envelopes.create("test", t0.plusSeconds(4 * 3600)))
                            .build());
            kafka.send(
                    catalogue.knowledgeEvents(),
                    "fay",
                    Events.removed("fay", "d1", t0.plusSeconds(5 * 3600)));
            awaitKnowledge(q, "fay", t0.plusSeconds(5 * 3600 + 1800), 1);
            kafka.send(
                    catalogue.agentEvents(),
                    "fay",
                    Events.deactivated("fay", t0.plusSeconds(6 * 3600)));
            awaitKnowledge(q, "fay", t0.plusSeconds(6 * 3600 + 1800), 0);
            kafka.send(
                    catalogue.agentEvents(),
                    "fay",
                    Events.reactivated("fay", t0.plusSeconds(7 * 3600)));
            awaitKnowledge(q, "fay", t0.plusSeconds(8 * 3600), 1);

            assertEquals(List.of(), documentIds(q.knowledgeAsOf("fay", t0.plusSeconds(1800))));
            assertEquals(
                    List.of("document:fay/d1"),
                    documentIds(q.knowledgeAsOf("fay", t0.plusSeconds(5400))));
            assertEquals(
                    List.of("document:fay/d1", "document:fay/d2"),
                    documentIds(q.knowledgeAsOf("fay", t0.plusSeconds(3 * 3600 + 60))));
            assertEquals(
                    List.of("document:fay/d2"),
                    documentIds(q.knowledgeAsOf("fay", t0.plusSeconds(5 * 3600 + 60))));
            assertEquals(
                    List.of(), documentIds(q.knowledgeAsOf("fay", t0.plusSeconds(6 * 3600 + 60))));
            assertEquals(
                    List.of("document:fay/d2"),
                    documentIds(q.knowledgeAsOf("fay", t0.plusSeconds(9 * 3600))));

            Wait.until(
                    "participation ended",
                    TIMEOUT,
                    () ->
                            q.neighbours("conversation:c1", t0.plusSeconds(4 * 3600 + 60)).size()
                                    == 1);
            List<KnowledgeQueries.Neighbour> during =
                    q.neighbours("conversation:c1", t0.plusSeconds(2 * 3600 + 60));
            assertEquals(
                    Set.of("agent:fay", "agent:gus", "topic:cooking"),
                    Set.copyOf(during.stream().map(KnowledgeQueries.Neighbour::node).toList()));
            // Each node's edges live under its own key (another partition, possibly): wait for
            // them, do not assume.
            Wait.until(
                    "topic edge", TIMEOUT, () -> q.neighbours("topic:cooking", null).size() == 1);
            assertEquals(
                    List.of("conversation:c1"),
                    q.neighbours("topic:cooking", null).stream()
                            .map(KnowledgeQueries.Neighbour::node)
                            .toList());
            Wait.until(
                    "document d1 closed",
                    TIMEOUT,
                    () ->
                            q.neighbours("document:fay/d1", null).size() == 1
                                    && q.neighbours("document:fay/d1", null)
                                                    .get(0)
                                                    .intervals()
                                                    .get(0)
                                                    .getValidTo()
                                            != null);
            Wait.until(
                    "document d2 reopened",
                    TIMEOUT,
                    () ->
                            q.neighbours("document:fay/d2", null).size() == 1
                                    && q.neighbours("document:fay/d2", null)
                                                    .get(0)
                                                    .intervals()
                                                    .size()
                                            == 2);
            KnowledgeQueries.Neighbour d1 = q.neighbours("document:fay/d1", null).get(0);
            assertEquals("agent:fay", d1.node());
            assertEquals("in", d1.direction());
            assertEquals(t0.plusSeconds(3600), d1.intervals().get(0).getValidFrom());
            assertEquals(t0.plusSeconds(5 * 3600), d1.intervals().get(0).getValidTo());
            assertEquals(
                    2,
                    q.neighbours("document:fay/d2", null).get(0).intervals().size(),
                    "closed by deactivation, reopened");
            assertThrows(IllegalArgumentException.class, () -> q.neighbours("planet:mars", null));
        }
    }

    private static void awaitKnowledge(KnowledgeQueries q, String agentId, Instant at, int count) {
        Wait.until(
                agentId + " knows " + count + " documents at " + at,
                TIMEOUT,
                () -> q.knowledgeAsOf(agentId, at).size() == count);
    }

    private static List<String> documentIds(List<KnowledgeQueries.Neighbour> neighbours) {
        return neighbours.stream().map(KnowledgeQueries.Neighbour::node).sorted().toList();
    }

    @Test
    void shouldEmbedThroughAnOpenAiCompatibleEndpointAndRefuseAnotherDimension(
            TestKafka kafka, @TempDir Path state) {
        TopicCatalogue catalogue = kafka.newCatalogue(1);
        try (ams.testkit.openai.FakeOpenAiServer openai =
                ams.testkit.openai.FakeOpenAiServer.start()) {
            Map<String, Object> props =
                    TestIndexers.config(
                            kafka,
                            catalogue,
                            TestIndexers.newApplicationId(),
                            state,
                            TestIndexers.freePort());
            props.put(KnowledgeIndexerConfig.EMBEDDING_PROVIDER, "openai");
            props.put(KnowledgeIndexerConfig.EMBEDDING_BASE_URL, openai.baseUrl());
            props.put(KnowledgeIndexerConfig.EMBEDDING_MODEL, "fake-embedding");
            KnowledgeIndexerConfig config = new KnowledgeIndexerConfig(props);
            try (KnowledgeIndexer indexer =
                    TestIndexers.start(
                            props, ams.knowledge.embedding.EmbeddingModels.create(config))) {
                kafka.send(
                        catalogue.knowledgeEvents(),
                        "hal",
                        Events.added("hal", "h1", "Cats", "Cats need taurine."));
                awaitDocuments(indexer, "hal", 1);
                assertEquals(
                        ams.testkit.openai.FakeOpenAiServer.EMBEDDING_DIMENSION,
                        indexer.queries().document("hal", "h1").getDimension());
                assertEquals(
                        "openai:fake-embedding",
                        indexer.queries().document("hal", "h1").getModel());
                assertEquals(
                        "h1",
                        indexer.queries()
                                .search(
                                        "hal",
                                        "Cats need taurine.",
                                        1,
                                        SearchMode.VECTOR,
                                        SearchFilters.NONE)
                                .get(0)
                                .document()
                                .getDocumentId());
                // A turn's graph hop searches again with the same query (tags filter): the
                // query is embedded once.
                long embedded = openai.embeddingRequests();
                assertEquals(
                        1,
                        indexer.queries()
                                .search(
                                        "hal",
                                        "Cats need taurine.",
                                        1,
                                        SearchMode.HYBRID,
                                        new SearchFilters(
                                                java.util.Set.of("test", "other"),
                                                null,
                                                null,
                                                Double.NEGATIVE_INFINITY))
                                .size());
                assertEquals(embedded, openai.embeddingRequests(), "the same query, embedded once");
                indexer.queries()
                        .search(
                                "hal",
                                "  Cats need\ttaurine. ",
                                1,
                                SearchMode.VECTOR,
                                SearchFilters.NONE);
                assertEquals(
                        embedded, openai.embeddingRequests(), "only whitespace differs: cached");
                indexer.queries().search("hal", "dogs", 1, SearchMode.VECTOR, SearchFilters.NONE);
                assertEquals(embedded + 1, openai.embeddingRequests(), "another query");
                assertTrue(indexer.queries().queryEmbeddings().hits() >= 2);

                // Another model over the same cache (a reconfigured model): the cached vectors
                // of the first model are not reused, so the dimension check still refuses.
                KnowledgeQueries otherModel =
                        new KnowledgeQueries(
                                indexer.streams(),
                                indexer.queries().searchIndex(),
                                indexer.queries().servedStores(),
                                TestIndexers.model(),
                                new ams.events.streams.StoreQueries(Duration.ofSeconds(5)),
                                indexer.queries().queryEmbeddings());
                DimensionMismatchException refused =
                        assertThrows(
                                DimensionMismatchException.class,
                                () ->
                                        otherModel.search(
                                                "hal",
                                                "Cats need taurine.",
                                                1,
                                                SearchMode.VECTOR,
                                                SearchFilters.NONE));
                assertTrue(
                        refused.getMessage().contains("16") && refused.getMessage().contains("384"),
                        refused.getMessage());
                assertEquals(
                        1,
                        otherModel
                                .search("hal", "taurine", 1, SearchMode.LEXICAL, SearchFilters.NONE)
                                .size(),
                        "lexical search needs no embedding");
            }
        }
    }
}

package ams.knowledge.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TokenizerTest {

    @Test
    void shouldStemEnglishAndDropStopWords() {
        assertEquals(List.of("cat", "run", "fast"), Tokenizer.tokens("The cats are running fast"));
        assertEquals(Tokenizer.tokens("crossing"), Tokenizer.tokens("crossings"));
    }

    @Test
    void shouldSplitChineseAndJapaneseInsteadOfOneToken() {
        List<String> chinese = Tokenizer.tokens("猫需要牛磺酸");
        assertTrue(chinese.size() > 1, chinese.toString());
        assertTrue(chinese.contains("猫"), chinese.toString());
        List<String> mixed = Tokenizer.tokens("Fehler E-4471 im Gerät");
        assertTrue(mixed.containsAll(Set.of("4471", "gerät")), mixed.toString());
    }

    @Test
    void shouldFindAChineseDocumentByOneOfItsWords() {
        AgentIndex index = new AgentIndex("a");
        index.put(
                "cats",
                "",
                "text",
                Set.of(),
                "m",
                List.of(new AgentIndex.ChunkInput(0, "猫需要牛磺酸", new float[] {1, 0})));
        index.put(
                "dogs",
                "",
                "text",
                Set.of(),
                "m",
                List.of(new AgentIndex.ChunkInput(0, "狗喜欢骨头", new float[] {0, 1})));
        assertEquals(
                List.of("cats"),
                index.search(null, "猫", "m", SearchMode.LEXICAL, 5, SearchFilters.NONE).stream()
                        .map(ChunkHit::documentId)
                        .toList());
    }
}

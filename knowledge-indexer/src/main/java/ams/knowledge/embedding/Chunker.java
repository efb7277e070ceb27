package ams.knowledge.embedding;

import dev.langchain4j.data.document.Document;
import dev.langchain4j.data.document.DocumentSplitter;
import dev.langchain4j.data.document.splitter.DocumentSplitters;
import dev.langchain4j.data.segment.TextSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a document's content into overlapping chunks with LangChain4j's recursive splitter
 * (paragraphs, lines, sentences, words).
 */
public final class Chunker {

    private final DocumentSplitter splitter;

    public Chunker(int maxChars, int overlapChars) {
        this.splitter = DocumentSplitters.recursive(maxChars, overlapChars);
    }

    /** The chunks of {@code content}; a blank content gives no chunks. */
    public List<String> split(String content) {
        if (content == null || content.isBlank()) {
            return List.of();
        }
        List<String> chunks = new ArrayList<>();
        for (TextSegment segment : splitter.split(Document.from(content))) {
            chunks.add(segment.text());
        }
        return chunks;
    }

    /**
     * What is embedded and lexically indexed for a chunk: the title gives short chunks their
     * context.
     */
    public static String indexedText(String title, String chunk) {
        return title == null || title.isBlank() ? chunk : title + "\n" + chunk;
    }
}

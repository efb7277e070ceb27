package ams.knowledge.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * The terms of the BM25 index: Lucene's {@link EnglishAnalyzer} (Unicode word breaking of UAX #29,
 * lower case, English stop words, possessives, Porter stemming). Chinese and Japanese ideographs
 * become one term each and other scripts are split at their word boundaries, so text in another
 * language is searchable instead of becoming one long token. Single Latin letters (the "e" of
 * "E-4471") are dropped: they match almost everything.
 */
final class Tokenizer {

    /** Thread-safe: the analyzer keeps one token stream per thread. */
    private static final Analyzer ANALYZER = new EnglishAnalyzer();

    private Tokenizer() {}

    static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return tokens;
        }
        try (TokenStream stream = ANALYZER.tokenStream("text", text)) {
            CharTermAttribute term = stream.addAttribute(CharTermAttribute.class);
            stream.reset();
            while (stream.incrementToken()) {
                if (term.length() == 1
                        && term.charAt(0) < 0x80
                        && Character.isLetter(term.charAt(0))) {
                    continue;
                }
                tokens.add(term.toString());
            }
            stream.end();
        } catch (IOException e) {
            // Reading a String cannot fail.
            throw new UncheckedIOException(e);
        }
        return tokens;
    }
}

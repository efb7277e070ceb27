package ams.export.dataset;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens with a real OpenAI encoding (jtokkit: cl100k_base, o200k_base, ...), not the
 * 4-characters-per-token estimate the prompt budgets use. Special-token text in a message counts as
 * ordinary text, as it would be in training data.
 */
public final class TokenCounter {

    private final Encoding encoding;

    public TokenCounter(String encodingName) {
        EncodingType type =
                EncodingType.fromName(encodingName)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "unknown tokenizer encoding '"
                                                        + encodingName
                                                        + "'; use cl100k_base, o200k_base, p50k_base or r50k_base"));
        this.encoding = Encodings.newLazyEncodingRegistry().getEncoding(type);
    }

    public String name() {
        return encoding.getName();
    }

    public int count(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }
}

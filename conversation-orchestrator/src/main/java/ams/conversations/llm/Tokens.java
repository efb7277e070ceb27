package ams.conversations.llm;

/**
 * Token estimate for when a provider reports none: about four characters a token for English text.
 */
final class Tokens {

    private Tokens() {}

    static int estimate(int chars) {
        return Math.max(1, (chars + 3) / 4);
    }

    static int estimate(String text) {
        return estimate(text.length());
    }
}

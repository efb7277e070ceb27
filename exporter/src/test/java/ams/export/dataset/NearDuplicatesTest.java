package ams.export.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NearDuplicatesTest {

    @Test
    void shouldFindPlantedParaphrasesAndNothingElse() {
        Random random = new Random(1);
        NearDuplicates near = new NearDuplicates(0.7, 16);
        String[] texts = new String[3000];
        int flagged = 0;
        int truePositives = 0;
        int planted = 0;
        for (int i = 0; i < texts.length; i++) {
            boolean copy = i > 100 && random.nextInt(10) == 0;
            texts[i] =
                    copy
                            ? NearDuplicatesTest.edit(texts[random.nextInt(i)], random, 1)
                            : text(random);
            planted += copy ? 1 : 0;
            if (near.add(i, texts[i]) >= 0) {
                flagged++;
                truePositives += copy ? 1 : 0;
            }
        }
        assertTrue(
                truePositives / (double) flagged >= 0.95,
                "precision " + truePositives + "/" + flagged);
        assertTrue(
                truePositives / (double) planted >= 0.9, "recall " + truePositives + "/" + planted);
    }

    @Test
    void shouldKeepTheFirstOfAGroup() {
        NearDuplicates near = new NearDuplicates(0.8, 4);
        assertEquals(-1, near.add(0, "one two three four five six seven eight nine ten"));
        assertEquals(-1, near.add(1, "something else entirely with other words in it now"));
        assertEquals(0, near.add(2, "One two three four five six seven eight nine ten!"));
    }

    @Test
    void shouldChooseBandsThatProposePairsBelowTheThreshold() {
        assertEquals(4, NearDuplicates.rowsFor(0.7));
        assertEquals(8, NearDuplicates.rowsFor(0.9));
        assertEquals(2, NearDuplicates.rowsFor(0.5));
    }

    static final String[] WORDS =
            ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi"
                            + " rho sigma tau upsilon phi chi psi omega red green blue black white"
                            + " north south east west wind rain snow sun moon star river stone tree")
                    .split(" ", -1);

    static String text(Random random) {
        StringBuilder s = new StringBuilder();
        for (int w = 0; w < 45; w++) {
            s.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return s.toString().trim();
    }

    /** A paraphrase: a few words replaced, dropped or swapped. */
    static String edit(String text, Random random, int edits) {
        String[] w = text.split(" ", -1);
        java.util.List<String> words = new java.util.ArrayList<>(java.util.List.of(w));
        for (int e = 0; e < edits; e++) {
            int i = random.nextInt(words.size() - 1);
            switch (random.nextInt(3)) {
                case 0 -> words.set(i, "paraphrased");
                case 1 -> words.remove(i);
                default -> {
                    String t = words.get(i);
                    words.set(i, words.get(i + 1));
                    words.set(i + 1, t);
                }
            }
        }
        return String.join(" ", words);
    }
}

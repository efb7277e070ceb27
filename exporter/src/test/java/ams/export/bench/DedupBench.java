package ams.export.bench;

import ams.export.dataset.NearDuplicates;
import ams.export.dataset.TextChecks;
import ams.testkit.bench.ResultRows;
import ams.testkit.bench.ThreadCpu;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Dedup of the training export over N messages (default 1,000,000) of about 300 characters, as the
 * export runs it: exact key, then MinHash signature (computed on all cores) and LSH near-duplicate
 * check, in order. 5% of the messages are planted near duplicates: a copy of an earlier message
 * with one to three words replaced, dropped or swapped (a paraphrase at the word level; an exact
 * copy is planted for 1%). Precision = planted among those flagged; recall = flagged among those
 * planted. Run in -Xmx2g (bench/run). Arguments: messages, threshold (default 0.7).
 */
public final class DedupBench {

    private static final String[] WORDS =
            ("the wizard considers question carefully weighing arcane lore against practical"
                            + " engineering indexes caches careful measurement beat incantations"
                            + " still little magic naming never hurt anyone let us look where time"
                            + " actually goes before guess then measure again partition offset"
                            + " parquet column river stone north wind lamp tower scroll ink")
                    .split(" ", -1);

    private DedupBench() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0].replace("_", "")) : 1_000_000;
        double threshold = args.length > 1 ? Double.parseDouble(args[1]) : 0.7;
        SplittableRandom random = new SplittableRandom(42);
        String[] texts = new String[n];
        boolean[] planted = new boolean[n];
        int plantedCount = 0;
        for (int i = 0; i < n; i++) {
            int kind = i < 1000 ? 99 : random.nextInt(100);
            if (kind < 5) {
                texts[i] = paraphrase(texts[random.nextInt(i)], random);
                planted[i] = true;
                plantedCount++;
            } else if (kind == 5) {
                texts[i] = texts[random.nextInt(i)];
                planted[i] = true;
                plantedCount++;
            } else {
                texts[i] = fresh(random, i);
            }
        }
        System.gc();
        long started = System.nanoTime();
        // The whole process: the dedup's pool threads and the collector (nothing else runs here).
        long cpuBefore = ThreadCpu.processNanos();
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        NearDuplicates near = new NearDuplicates(threshold, n);
        Set<Long> exact = new HashSet<>(n * 2);
        int flagged = 0;
        int truePositives = 0;
        int exactFound = 0;
        int block = 8192;
        try {
            // Signatures of the next blocks are computed on the pool while this thread adds.
            List<Future<int[][]>> pending = new ArrayList<>();
            int next = 0;
            for (int b = 0; b < threads * 2 && next < n; b++, next += block) {
                pending.add(submit(pool, texts, next, Math.min(n, next + block)));
            }
            for (int start = 0; start < n; start += block) {
                int[][] signatures = pending.remove(0).get();
                if (next < n) {
                    pending.add(submit(pool, texts, next, Math.min(n, next + block)));
                    next += block;
                }
                for (int k = 0; k < signatures.length; k++) {
                    int i = start + k;
                    boolean duplicate;
                    if (!exact.add(TextChecks.exactKey(texts[i]))) {
                        duplicate = true;
                        exactFound++;
                    } else {
                        duplicate = near.add(i, signatures[k]) >= 0;
                    }
                    if (duplicate) {
                        flagged++;
                        truePositives += planted[i] ? 1 : 0;
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double cpuMicros = ThreadCpu.microsPerEvent(cpuBefore, ThreadCpu.processNanos(), n);
        double precision = truePositives / (double) Math.max(1, flagged);
        double recall = truePositives / (double) Math.max(1, plantedCount);
        Runtime rt = Runtime.getRuntime();
        System.out.printf(
                Locale.ROOT,
                "| what | value |%n|---|---:|%n| messages | %,d |%n| planted near/exact duplicates | %,d |%n"
                        + "| flagged (exact %,d) | %,d |%n| seconds (exact + MinHash + LSH, %d threads) | %.2f |%n"
                        + "| messages/s | %,.0f |%n| precision | %.4f |%n| recall | %.4f |%n"
                        + "| threshold / rows per band | %.2f / %d |%n| heap max / used after | %d MiB / %d MiB |%n",
                n,
                plantedCount,
                exactFound,
                flagged,
                threads,
                seconds,
                n / seconds,
                precision,
                recall,
                threshold,
                near.rows(),
                rt.maxMemory() >> 20,
                (rt.totalMemory() - rt.freeMemory()) >> 20);
        ResultRows.add(
                "dedup: " + n + " messages (exact + MinHash/LSH), seconds",
                seconds,
                "s",
                "-",
                Double.NaN,
                "< 60 s in -Xmx2g",
                seconds < 60);
        ResultRows.add(
                "dedup: precision on planted near-duplicates",
                precision,
                "",
                "-",
                Double.NaN,
                ">= 0.95",
                precision >= 0.95);
        ResultRows.add("dedup: recall on planted near-duplicates", recall, "");
        ResultRows.add("dedup: process CPU per message (every thread)", cpuMicros, "us/message");
    }

    private static Future<int[][]> submit(ExecutorService pool, String[] texts, int from, int to) {
        return pool.submit(
                () -> {
                    int[][] out = new int[to - from][];
                    for (int i = from; i < to; i++) {
                        out[i - from] = NearDuplicates.signature(texts[i]);
                    }
                    return out;
                });
    }

    private static String fresh(SplittableRandom random, int n) {
        StringBuilder text = new StringBuilder(320).append("message ").append(n);
        while (text.length() < 300) {
            text.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
        }
        return text.toString();
    }

    /** One to three word edits: replace, drop or swap with the next. */
    private static String paraphrase(String text, SplittableRandom random) {
        List<String> words = new ArrayList<>(List.of(text.split(" ", -1)));
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            int i = 2 + random.nextInt(words.size() - 3);
            switch (random.nextInt(3)) {
                case 0 -> words.set(i, WORDS[random.nextInt(WORDS.length)]);
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

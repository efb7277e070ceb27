package ams.testkit.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * The rows {@code bench/run} gathers into one table. When {@code AMS_BENCH_OUT} (or {@code
 * -Dams.bench.out}) names a file, each figure is appended to it as one tab-separated line: figure,
 * value, unit, raw limit, ratio, goal, met. Without it nothing is written and the benchmark's
 * printed report is all there is. Every module's benchmarks use it (they live in test sources,
 * which modules do not share; the testkit is on every module's test classpath).
 */
public final class ResultRows {

    private ResultRows() {}

    /**
     * A figure with its raw limit (already formatted, or "-"), ratio (NaN: none), goal ("" none)
     * and whether it is met (null: no goal).
     */
    public static void add(
            String figure,
            double value,
            String unit,
            String rawLimit,
            double ratio,
            String goal,
            Boolean met) {
        String target = System.getProperty("ams.bench.out", System.getenv("AMS_BENCH_OUT"));
        if (target == null || target.isBlank()) {
            return;
        }
        String line =
                String.join(
                                "\t",
                                clean(figure),
                                number(value),
                                clean(unit),
                                clean(rawLimit),
                                Double.isNaN(ratio)
                                        ? "-"
                                        : String.format(Locale.ROOT, "%.2f", ratio),
                                clean(goal),
                                met == null ? "-" : met ? "yes" : "no")
                        + "\n";
        try {
            Files.writeString(
                    Path.of(target),
                    line,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot append a result row to " + target, e);
        }
    }

    /**
     * A figure beside a reference measured in the same run, without a goal: the reference's value
     * with the same unit and what it is ({@code beside}), and the ratio of the two.
     */
    public static void beside(
            String figure, double value, String unit, double reference, String beside) {
        add(
                figure,
                value,
                unit,
                number(reference) + " " + unit + " (" + beside + ")",
                value / reference,
                "",
                null);
    }

    /** A figure that has no goal and no raw limit: a raw limit itself, or context. */
    public static void add(String figure, double value, String unit) {
        add(figure, value, unit, "-", Double.NaN, "", null);
    }

    /**
     * Three significant digits at most below 100, whole numbers above: what a table reader
     * compares.
     */
    public static String number(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        double abs = Math.abs(value);
        if (value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%,.0f", value); // counts
        }
        String pattern = abs >= 100 ? "%,.0f" : abs >= 10 ? "%.1f" : abs >= 1 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }

    private static String clean(String text) {
        return text == null || text.isEmpty() ? "-" : text.replace('\t', ' ').replace('\n', ' ');
    }
}

package ams.testkit.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultRowsTest {

    @Test
    void shouldWriteAFigureBesideItsReferenceWithUnitRatioAndNoGoal(@TempDir Path dir)
            throws IOException {
        Path out = dir.resolve("rows.tsv");
        String before = System.getProperty("ams.bench.out");
        System.setProperty("ams.bench.out", out.toString());
        try {
            ResultRows.beside("q: route p99", 1.5, "ms", 0.75, "empty route, same run");
            ResultRows.beside("q: rate achieved", 1900, "req/s", 2000, "the schedule");
        } finally {
            if (before == null) {
                System.clearProperty("ams.bench.out");
            } else {
                System.setProperty("ams.bench.out", before);
            }
        }
        assertEquals(
                List.of(
                        "q: route p99\t1.50\tms\t0.750 ms (empty route, same run)\t2.00\t-\t-",
                        "q: rate achieved\t1,900\treq/s\t2,000 req/s (the schedule)\t0.95\t-\t-"),
                Files.readAllLines(out, StandardCharsets.UTF_8));
    }
}

package ams.export;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** The independent reader of the tests: DuckDB over the files, not the writer's code path. */
public final class DuckDb implements AutoCloseable {

    private final Connection connection;

    public DuckDb() {
        try {
            connection = DriverManager.getConnection("jdbc:duckdb:");
            // Timestamps with a zone print in the session's zone, which defaults to the machine's:
            // pin it.
            try (Statement st = connection.createStatement()) {
                st.execute("SET TimeZone = 'UTC'");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String glob(Path dir, String pattern) {
        return dir.toAbsolutePath().resolve(pattern).toString().replace("'", "''");
    }

    public long count(String sql) {
        List<List<Object>> rows = query(sql);
        return ((Number) rows.get(0).get(0)).longValue();
    }

    public List<List<Object>> query(String sql) {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            List<List<Object>> rows = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Messages in the Parquet dataset, 0 when there are no files yet. */
    long parquetRows(Path root, String where) {
        if (!hasFiles(root.resolve("messages"), ".parquet")) {
            return 0;
        }
        return count(
                "SELECT count(*) FROM read_parquet('"
                        + glob(root, "messages/*/*.parquet")
                        + "', hive_partitioning = true)"
                        + (where.isEmpty() ? "" : " WHERE " + where));
    }

    long jsonlRows(Path dir) {
        if (!hasFiles(dir, ".jsonl")) {
            return 0;
        }
        return count(
                "SELECT count(*) FROM read_json('"
                        + glob(dir, "*.jsonl")
                        + "', format = 'newline_delimited')");
    }

    static boolean hasFiles(Path dir, String suffix) {
        try (var files = java.nio.file.Files.walk(dir)) {
            return files.anyMatch(p -> p.getFileName().toString().endsWith(suffix));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // nothing to release beyond the in-memory database
        }
    }
}

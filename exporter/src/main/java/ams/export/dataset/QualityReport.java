package ams.export.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one export read, what each filter removed, and the shape of what was written: counts in and
 * out per filter, duplicates removed, token histograms per role and per agent, turns per
 * conversation. Written as {@code quality_report.json} and as a self-contained {@code
 * quality_report.html} (inline SVG bar charts, no scripts, no network).
 */
public final class QualityReport {

    /** One step of the pipeline: what went in, what it removed. */
    private static final class Step {
        final String unit;
        long in;
        long removed;

        Step(String unit) {
            this.unit = unit;
        }
    }

    private final Map<String, Step> steps = new LinkedHashMap<>();
    private final Map<String, Long> statuses = new TreeMap<>();
    private final Map<String, Long> rows = new LinkedHashMap<>();
    private final Map<String, Histogram> tokensByRole = new TreeMap<>();
    private final Map<String, Histogram> tokensByAgent = new TreeMap<>();
    private final Histogram tokensPerSample = new Histogram();
    private final Histogram turnsPerConversation = new Histogram();
    private long scriptedSamplesWritten;

    QualityReport() {
        step("conversation not completed (failed, cancelled, running)", "conversations");
        step("empty turn", "messages");
        step("repeated-phrase turn", "messages");
        step("scripted responder output", "samples");
        step("too few tokens", "samples");
        step("too many tokens", "samples");
        step("exact duplicate", "samples");
        step("near duplicate", "samples");
    }

    private void step(String name, String unit) {
        steps.put(name, new Step(unit));
    }

    /** One item reached filter {@code name}; {@code removed} says whether it stopped there. */
    boolean count(String name, boolean removed) {
        Step s = steps.get(name);
        s.in++;
        if (removed) {
            s.removed++;
        }
        return removed;
    }

    void conversation(String status, int turns) {
        statuses.merge(status, 1L, Long::sum);
        turnsPerConversation.add(turns);
    }

    void written(String split, Sample sample, int rowCount, int[] turnTokens, int systemTokens) {
        rows.merge(split, (long) rowCount, Long::sum);
        long total = systemTokens;
        if (!sample.system().isEmpty()) {
            tokensByRole.computeIfAbsent("system", k -> new Histogram()).add(systemTokens);
        }
        for (int i = 0; i < turnTokens.length; i++) {
            Sample.ChatTurn t = sample.turns().get(i);
            tokensByRole.computeIfAbsent(t.role(), k -> new Histogram()).add(turnTokens[i]);
            if (Sample.ChatTurn.ASSISTANT.equals(t.role())) {
                tokensByAgent
                        .computeIfAbsent(sample.agentId(), k -> new Histogram())
                        .add(turnTokens[i]);
            }
            total += turnTokens[i];
        }
        tokensPerSample.add(total);
        if (sample.scripted()) {
            scriptedSamplesWritten++;
        }
    }

    public long rows() {
        return rows.values().stream().mapToLong(Long::longValue).sum();
    }

    public Map<String, Long> rowsPerSplit() {
        return Map.copyOf(rows);
    }

    public long scriptedSamplesWritten() {
        return scriptedSamplesWritten;
    }

    long removed(String step) {
        return steps.get(step).removed;
    }

    ObjectNode json(ObjectMapper mapper, ObjectNode header) {
        ObjectNode root = header.deepCopy();
        ObjectNode conversations = root.putObject("conversations_by_status");
        statuses.forEach(conversations::put);
        ArrayNode filters = root.putArray("filters");
        steps.forEach(
                (name, s) ->
                        filters.addObject()
                                .put("filter", name)
                                .put("unit", s.unit)
                                .put("in", s.in)
                                .put("removed", s.removed)
                                .put("out", s.in - s.removed));
        root.put("duplicates_removed", removed("exact duplicate") + removed("near duplicate"));
        root.put("scripted_samples_written", scriptedSamplesWritten);
        ObjectNode out = root.putObject("rows_per_split");
        rows.forEach(out::put);
        root.put("rows", rows());
        ObjectNode histograms = root.putObject("histograms");
        ObjectNode byRole = histograms.putObject("tokens_per_turn_by_role");
        tokensByRole.forEach((k, h) -> byRole.set(k, h.json()));
        ObjectNode byAgent = histograms.putObject("assistant_tokens_per_turn_by_agent");
        tokensByAgent.forEach((k, h) -> byAgent.set(k, h.json()));
        histograms.set("tokens_per_sample", tokensPerSample.json());
        histograms.set("turns_per_conversation", turnsPerConversation.json());
        return root;
    }

    /** The report as one HTML page: the filter table, then one bar chart per histogram. */
    static String html(JsonNode report) {
        StringBuilder h = new StringBuilder();
        h.append("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Quality report: ")
                .append(escape(report.path("format").asText()))
                .append(
                        " dataset</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:70em}")
                .append(
                        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em;")
                .append("text-align:right}td:first-child,th:first-child{text-align:left}")
                .append(".chart{display:inline-block;margin:0 2em 2em 0;vertical-align:top}")
                .append("</style></head><body>\n");
        h.append("<h1>Quality report: ")
                .append(escape(report.path("format").asText()))
                .append(" dataset</h1>\n<p>")
                .append(escape(report.path("created_at").asText()))
                .append(" &middot; tokenizer ")
                .append(escape(report.path("tokenizer").asText()))
                .append(" &middot; ")
                .append(report.path("rows").asLong())
                .append(" rows written</p>\n");
        if (report.path("scripted_samples_written").asLong() > 0) {
            h.append("<p><strong>")
                    .append(report.path("scripted_samples_written").asLong())
                    .append(" samples contain text from the offline scripted responder,")
                    .append(" a deterministic stand-in, not a language model.</strong></p>\n");
        }
        h.append("<h2>Conversations read</h2>\n<table><tr><th>status</th><th>count</th></tr>");
        report.path("conversations_by_status")
                .properties()
                .forEach(
                        e ->
                                h.append("<tr><td>")
                                        .append(escape(e.getKey()))
                                        .append("</td><td>")
                                        .append(e.getValue().asLong())
                                        .append("</td></tr>"));
        h.append("</table>\n<h2>Filters, in order</h2>\n<table><tr><th>filter</th><th>unit</th>")
                .append("<th>in</th><th>removed</th><th>out</th></tr>");
        for (JsonNode f : report.path("filters")) {
            h.append("<tr><td>")
                    .append(escape(f.path("filter").asText()))
                    .append("</td><td>")
                    .append(escape(f.path("unit").asText()))
                    .append("</td><td>")
                    .append(f.path("in").asLong())
                    .append("</td><td>")
                    .append(f.path("removed").asLong())
                    .append("</td><td>")
                    .append(f.path("out").asLong())
                    .append("</td></tr>");
        }
        h.append("</table>\n<h2>Rows per split</h2>\n<table><tr><th>split</th><th>rows</th></tr>");
        report.path("rows_per_split")
                .properties()
                .forEach(
                        e ->
                                h.append("<tr><td>")
                                        .append(escape(e.getKey()))
                                        .append("</td><td>")
                                        .append(e.getValue().asLong())
                                        .append("</td></tr>"));
        h.append("</table>\n");
        JsonNode histograms = report.path("histograms");
        h.append("<h2>Tokens per turn, by role</h2>\n");
        histograms
                .path("tokens_per_turn_by_role")
                .properties()
                .forEach(e -> chart(h, e.getKey(), e.getValue(), "tokens"));
        h.append("<h2>Assistant tokens per turn, by agent</h2>\n");
        histograms
                .path("assistant_tokens_per_turn_by_agent")
                .properties()
                .forEach(e -> chart(h, e.getKey(), e.getValue(), "tokens"));
        h.append("<h2>Sizes</h2>\n");
        chart(h, "tokens per sample", histograms.path("tokens_per_sample"), "tokens");
        chart(h, "turns per conversation", histograms.path("turns_per_conversation"), "turns");
        h.append("</body></html>\n");
        return h.toString();
    }

    /** One SVG bar chart: a bar per power-of-two bin, labelled with the bin's lower edge. */
    private static void chart(StringBuilder h, String title, JsonNode histogram, String unit) {
        JsonNode lowers = histogram.path("bin_lower");
        JsonNode counts = histogram.path("counts");
        int bars = counts.size();
        long top = 1;
        for (JsonNode c : counts) {
            top = Math.max(top, c.asLong());
        }
        int barWidth = 34;
        int width = Math.max(200, bars * barWidth + 50);
        int height = 180;
        int plot = 120;
        h.append("<div class=\"chart\"><h3>")
                .append(escape(title))
                .append("</h3><p>n=")
                .append(histogram.path("count").asLong())
                .append(", mean ")
                .append(histogram.path("mean").asDouble())
                .append(", max ")
                .append(histogram.path("max").asLong())
                .append("</p>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(width)
                .append("\" height=\"")
                .append(height)
                .append("\" role=\"img\" aria-label=\"")
                .append(escape(title))
                .append("\">");
        h.append("<line x1=\"40\" y1=\"")
                .append(plot + 10)
                .append("\" x2=\"")
                .append(width - 5)
                .append("\" y2=\"")
                .append(plot + 10)
                .append("\" stroke=\"#333\"/>");
        h.append("<text x=\"2\" y=\"20\" font-size=\"10\">").append(top).append("</text>");
        for (int i = 0; i < bars; i++) {
            long c = counts.get(i).asLong();
            int barHeight = (int) Math.round(plot * (double) c / top);
            int x = 45 + i * barWidth;
            h.append(
                    String.format(
                            Locale.ROOT,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#4a7ebb\"><title>%s ≥ %d: %d</title></rect>",
                            x,
                            plot + 10 - barHeight,
                            barWidth - 6,
                            barHeight,
                            escape(unit),
                            lowers.get(i).asLong(),
                            c));
            h.append(
                    String.format(
                            Locale.ROOT,
                            "<text x=\"%d\" y=\"%d\" font-size=\"9\">%d</text>",
                            x,
                            plot + 24,
                            lowers.get(i).asLong()));
        }
        h.append("<text x=\"45\" y=\"")
                .append(height - 8)
                .append("\" font-size=\"10\">")
                .append(escape(unit))
                .append(" (bin lower edge)</text></svg></div>\n");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}

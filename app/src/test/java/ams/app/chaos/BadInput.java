package ams.app.chaos;

import ams.app.chaos.badinput.BadRecords;
import ams.app.chaos.badinput.DeadLetterAudit;
import ams.app.chaos.badinput.MalformedRequests;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Issue #8 item 3 during the chaos run, with the generators of {@code badinput/}: bad records on
 * every input topic, then malformed REST requests in chunks. Each chunk is sent in a calm window
 * (no kill while it runs, every service answering), so a non-4xx answer is the API's fault, not
 * that of a process the killer just took away.
 */
final class BadInput {

    private static final int CHUNK = 25;

    private final Thread thread;
    private volatile BadRecords.Sent records;
    private final List<MalformedRequests.Outcome> outcomes = new ArrayList<>();
    private volatile Throwable failure;

    private BadInput(Runnable work) {
        this.thread = new Thread(work, "chaos-bad-input");
        this.thread.setDaemon(true);
    }

    static BadInput start(
            String bootstrap,
            String topicPrefix,
            String api,
            ChaosSizes sizes,
            Killer killer,
            PrintStream out) {
        BadInput[] self = new BadInput[1];
        self[0] = new BadInput(() -> self[0].send(bootstrap, topicPrefix, api, sizes, killer, out));
        self[0].thread.start();
        return self[0];
    }

    private void send(
            String bootstrap,
            String topicPrefix,
            String api,
            ChaosSizes sizes,
            Killer killer,
            PrintStream out) {
        try {
            records =
                    BadRecords.publish(
                            bootstrap, topicPrefix, sizes.badRecordsPerTopic(), sizes.seed());
            out.println("[chaos] published " + records);
            for (int sent = 0; sent < sizes.badRequests(); sent += CHUNK) {
                int count = Math.min(CHUNK, sizes.badRequests() - sent);
                long seed = sizes.seed() + sent;
                MalformedRequests.Outcome outcome =
                        killer.duringCalm(
                                () -> MalformedRequests.send(URI.create(api), count, seed, null));
                synchronized (outcomes) {
                    outcomes.add(outcome);
                }
            }
            out.println("[chaos] sent " + sizes.badRequests() + " malformed requests");
        } catch (Throwable e) {
            failure = e;
        }
    }

    /**
     * Waits for the sender, then for a dead letter for every bad record; adds counts and losses to
     * the report.
     */
    void finish(String bootstrap, String topicPrefix, ChaosReport report)
            throws InterruptedException {
        thread.join(Duration.ofMinutes(10).toMillis());
        if (failure != null) {
            report.losses.add("bad input could not be sent: " + failure);
            return;
        }
        if (thread.isAlive()) {
            report.losses.add("bad input still being sent after 10 minutes");
            return;
        }
        report.badRecordsSent = records.total();
        DeadLetterAudit audit =
                DeadLetterAudit.awaitCovering(
                        bootstrap, topicPrefix, records, Duration.ofMinutes(3));
        report.deadLetters.putAll(audit.perSourceTopic());
        report.notes.add("dead letters: " + audit.summary());
        List<BadRecords.SentRecord> missing = audit.missing(records);
        if (!missing.isEmpty()) {
            report.losses.add(
                    missing.size()
                            + " of "
                            + records.total()
                            + " bad records have no dead letter, e.g. "
                            + missing.subList(0, Math.min(5, missing.size())));
        }
        audit.problems().stream().limit(10).forEach(p -> report.losses.add("dead letters: " + p));
        Map<String, Integer> classes = new TreeMap<>();
        List<MalformedRequests.Unexpected> unexpected = new ArrayList<>();
        synchronized (outcomes) {
            for (MalformedRequests.Outcome outcome : outcomes) {
                report.badRequestsSent += outcome.sent();
                outcome.perStatusClass().forEach((k, v) -> classes.merge(k, v, Integer::sum));
                unexpected.addAll(outcome.notClientErrors());
            }
        }
        report.rest4xx = classes.getOrDefault("4xx", 0);
        report.restOther = report.badRequestsSent - report.rest4xx;
        unexpected.stream()
                .limit(10)
                .forEach(u -> report.losses.add("malformed request not answered 4xx: " + u));
    }
}

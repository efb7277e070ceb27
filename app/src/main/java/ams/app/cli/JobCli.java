package ams.app.cli;

import ams.app.client.JobFiles;
import ams.app.client.RestClient;
import ams.events.JobIds;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ams job ...}: batch generation jobs. */
@Command(
        name = "job",
        mixinStandardHelpOptions = true,
        description = "Submit, watch and cancel batch generation jobs.")
public final class JobCli {

    private static final List<String> ENDED = List.of("COMPLETED", "CANCELLED");

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Command(
            name = "submit",
            mixinStandardHelpOptions = true,
            description =
                    "Submit a job file: JSON Lines (one generate request a line), or YAML/JSON with"
                            + " a list of generate requests or a job object (conversations or"
                            + " cartesian: count, topics, agent_groups, and generate fields).")
    int submit(
            @Parameters(paramLabel = "FILE") Path file,
            @Option(
                            names = "--job-id",
                            description =
                                    "Job id (default: the file's job_id or a new one). The same id"
                                            + " again is a safe retry")
                    String jobId,
            @Option(names = "--name") String name,
            @Option(
                            names = "--concurrency",
                            description = "Conversations in flight at once (default 16)")
                    Integer concurrency,
            @Option(names = "--watch", description = "Show progress until the job ends")
                    boolean watch,
            @Option(
                            names = "--timeout",
                            defaultValue = "PT24H",
                            description = "How long --watch waits (ISO-8601 duration)")
                    Duration timeout) {
        JobFiles.JobFile job = JobFiles.read(file);
        ObjectNode body = job.body();
        if (jobId != null) {
            body.put("job_id", jobId);
        } else if (!body.hasNonNull("job_id")) {
            // Chosen here so that the retries of a lost answer submit one job, not several.
            body.put("job_id", JobIds.newJobId());
        }
        if (name != null) {
            body.put("name", name);
        }
        if (concurrency != null) {
            body.put("concurrency", concurrency);
        }
        JsonNode answer;
        try {
            answer = api.client().postIdempotent("/jobs", body);
        } catch (RestClient.ApiException e) {
            throw new RestClient.ApiException(e.status(), job.where(file, e.getMessage()));
        }
        String id = answer.path("job_id").asText();
        if (!watch) {
            api.print(
                    out(),
                    answer,
                    a ->
                            out().printf(
                                            "Job %s submitted: %d conversations%n",
                                            id, a.path("total").asInt()));
            return 0;
        }
        return watch(id, timeout);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job.")
    int status(@Parameters(paramLabel = "JOB_ID") String id) {
        JsonNode job = api.client().get("/jobs/" + RestClient.encode(id));
        api.print(out(), job, j -> out().println(line(j)));
        return 0;
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the jobs.")
    int list() {
        JsonNode answer = api.client().get("/jobs");
        api.print(
                out(),
                answer,
                a -> {
                    for (JsonNode j : a.path("jobs")) {
                        out().println(line(j));
                    }
                });
        return 0;
    }

    // On the JDK 17 this targets a null console means no terminal; a newer JDK may give one
    // anyway, and then a redirected watch writes carriage returns, which is harmless.
    @SuppressWarnings("SystemConsoleNull")
    @Command(
            name = "watch",
            mixinStandardHelpOptions = true,
            description = "Show a job's progress (on stderr) until it ends.")
    int watch(
            @Parameters(paramLabel = "JOB_ID") String id,
            @Option(names = "--timeout", defaultValue = "PT24H") Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean tty = System.console() != null;
        String shown = "";
        while (true) {
            JsonNode job;
            try {
                job = api.client().get("/jobs/" + RestClient.encode(id));
            } catch (RestClient.ApiException e) {
                if (e.status() != 404 && e.status() != 503) {
                    throw e;
                }
                // Just submitted (not folded yet), or the store is moving: ask again.
                job =
                        new com.fasterxml.jackson.databind.ObjectMapper()
                                .createObjectNode()
                                .put("job_id", id)
                                .put("status", "SUBMITTED");
            }
            String bar = bar(job);
            if (!bar.equals(shown)) {
                if (tty) {
                    err().print("\r" + bar);
                } else {
                    err().println(bar);
                }
                err().flush();
                shown = bar;
            }
            if (ENDED.contains(job.path("status").asText())) {
                if (tty) {
                    err().println();
                }
                api.print(out(), job, j -> out().println(line(j)));
                return job.path("status").asText().equals("COMPLETED")
                                && job.path("failed").asInt() == 0
                        ? 0
                        : 1;
            }
            if (System.nanoTime() > deadline) {
                throw new RestClient.ApiException(
                        0, "job " + id + " did not end within " + timeout);
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RestClient.ApiException(0, "interrupted");
            }
        }
    }

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description =
                    "Cancel a job: no more conversations start, and those running are cancelled"
                            + " (unless --let-running-finish).")
    int cancel(
            @Parameters(paramLabel = "JOB_ID") String id,
            @Option(names = "--let-running-finish") boolean letRunningFinish,
            @Option(names = "--reason") String reason) {
        ObjectNode body = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        body.put("cancel_running", !letRunningFinish);
        if (reason != null) {
            body.put("reason", reason);
        }
        JsonNode answer = api.client().post("/jobs/" + RestClient.encode(id) + "/cancel", body);
        api.print(out(), answer, a -> out().printf("Job %s: cancel requested%n", id));
        return 0;
    }

    /** One line: id, status and counts. */
    static String line(JsonNode j) {
        return String.format(
                Locale.ROOT,
                "%s  %s  %d/%d done, %d failed, %d cancelled, %d running, %d pending, %d turns",
                j.path("job_id").asText(),
                j.path("status").asText(),
                j.path("done").asInt(),
                j.path("total").asInt(),
                j.path("failed").asInt(),
                j.path("cancelled").asInt(),
                j.path("running").asInt(),
                j.path("pending").asInt(),
                j.path("turns_done").asLong());
    }

    /** The progress bar: done (#) and failed or cancelled (x) out of the total, rates and ETA. */
    static String bar(JsonNode j) {
        int total = Math.max(1, j.path("total").asInt());
        int done = j.path("done").asInt();
        int bad = j.path("failed").asInt() + j.path("cancelled").asInt();
        int width = 30;
        int doneCells = Math.min(width, done * width / total);
        int badCells = Math.min(width - doneCells, bad * width / total);
        JsonNode eta = j.path("eta_seconds");
        return String.format(
                Locale.ROOT,
                "[%s%s%s] %d/%d done, %d failed, %d running  %.1f turns/s  ETA %s  %s",
                "#".repeat(doneCells),
                "x".repeat(badCells),
                ".".repeat(width - doneCells - badCells),
                done,
                j.path("total").asInt(),
                j.path("failed").asInt(),
                j.path("running").asInt(),
                j.path("turns_per_second").asDouble(),
                eta.isNumber()
                        ? Duration.ofSeconds(eta.asLong())
                                .toString()
                                .substring(2)
                                .toLowerCase(Locale.ROOT)
                        : "?",
                j.path("status").asText());
    }
}

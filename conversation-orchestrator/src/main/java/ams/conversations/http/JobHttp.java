package ams.conversations.http;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import ams.conversations.JobCommands;
import ams.conversations.jobs.JobPlan;
import ams.conversations.jobs.JobQueries;
import ams.conversations.jobs.JobState;
import ams.conversations.jobs.JobTopology;
import ams.events.InvalidRequestException;
import ams.events.JobIds;
import ams.events.streams.StoreUnavailableException;
import ams.service.http.ConflictException;
import ams.service.http.ForwardClient;
import ams.service.http.InstanceRouter;
import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import ams.service.http.ServiceJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The job routes: submit, status, list, cancel. A job's status lives on the instance that owns its
 * key in {@code jobs} (the job-events partition), so reads are routed there; the list fans out.
 */
public final class JobHttp {

    private final JobQueries queries;
    private final InstanceRouter router;
    private final JobCommands commands;
    private final AgentDirectory agents;

    public JobHttp(
            JobQueries queries,
            InstanceRouter router,
            JobCommands commands,
            AgentDirectory agents) {
        this.queries = queries;
        this.router = router;
        this.commands = commands;
        this.agents = agents;
    }

    public void registerRoutes(Javalin app) {
        app.post("/jobs", this::submit);
        app.get("/jobs", this::list);
        app.get("/jobs/{id}", this::status);
        app.post("/jobs/{id}/cancel", this::cancel);
    }

    private void submit(Context ctx) throws JsonProcessingException {
        // Query parameters override the body's job fields; they are how a JSON Lines body gives
        // them. Read (and checked) first, whatever the body.
        String jobId = Params.textParam(ctx, "job_id");
        String name = Params.textParam(ctx, "name");
        Integer concurrency =
                ctx.queryParam("concurrency") == null
                        ? null
                        : Params.intParam(
                                ctx,
                                "concurrency",
                                JobRequest.DEFAULT_CONCURRENCY,
                                1,
                                JobRequest.MAX_CONCURRENCY);
        String type = String.valueOf(ctx.contentType()).toLowerCase(Locale.ROOT);
        JobPlan plan =
                type.contains("ndjson") || type.contains("jsonl") || type.contains("json-seq")
                        ? JobRequest.fromJsonLines(ctx.body(), jobId, name, concurrency)
                        : JobRequest.withOverrides(
                                JobRequest.fromJson(ctx.body()), jobId, name, concurrency);
        checkAgents(plan);
        JsonNode existing = lookup(plan.jobId());
        if (existing != null) {
            if (existing.path("total").asInt() != plan.total()) {
                throw new ConflictException(
                        "Job '"
                                + plan.jobId()
                                + "' already exists with "
                                + existing.path("total").asInt()
                                + " conversations; leave 'job_id' out for a new job");
            }
            ServiceHttp.reply(
                    ctx,
                    202,
                    ServiceJson.mapper()
                            .createObjectNode()
                            .put("job_id", plan.jobId())
                            .put("total", plan.total())
                            .put("status", existing.path("status").asText())
                            .put("already_submitted", true));
            return;
        }
        commands.submit(plan);
        ServiceHttp.reply(
                ctx,
                202,
                ServiceJson.mapper()
                        .createObjectNode()
                        .put("job_id", plan.jobId())
                        .put("total", plan.total())
                        .put("concurrency", plan.concurrency())
                        .put("status", "SUBMITTED"));
    }

    /** Unknown agents are a 400 naming every one of them; inactive ones a 409, as in generate. */
    private void checkAgents(JobPlan plan) {
        List<String> unknown = new ArrayList<>();
        List<String> inactive = new ArrayList<>();
        for (String agent : plan.agents()) {
            Optional<AgentProfile> profile = AgentLookup.find(agents, agent);
            if (profile.isEmpty()) {
                unknown.add(agent);
            } else {
                profile.get().inactiveReason().ifPresent(inactive::add);
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidRequestException(
                    "Unknown agent"
                            + (unknown.size() == 1 ? " '" : "s '")
                            + String.join("', '", unknown)
                            + "'; create "
                            + (unknown.size() == 1 ? "it" : "them")
                            + " first (POST /agents)");
        }
        if (!inactive.isEmpty()) {
            throw new ConflictException(
                    "Inactive agent"
                            + (inactive.size() == 1 ? " " : "s: ")
                            + String.join("; ", inactive)
                            + "; or leave "
                            + (inactive.size() == 1 ? "it" : "them")
                            + " out of the job");
        }
    }

    private void status(Context ctx) {
        String id = jobId(ctx);
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null
                && owner(id) instanceof InstanceRouter.Remote remote) {
            ForwardClient.Response response =
                    router.forward(remote.host(), "/jobs/" + ProcessorClient.encode(id));
            if (response.status() == 503) {
                ctx.header("Retry-After", ServiceHttp.RETRY_AFTER_SECONDS);
            }
            ServiceHttp.raw(ctx, response.status(), response.body());
            return;
        }
        JobState job =
                queries.job(id)
                        .orElseThrow(
                                () ->
                                        new NotFoundException(
                                                "No job '" + id + "'; submit one with POST /jobs"));
        ServiceHttp.ok(ctx, JobJson.job(job, System.currentTimeMillis()));
    }

    private void list(Context ctx) throws JsonProcessingException {
        long now = System.currentTimeMillis();
        TreeMap<String, JsonNode> byId = new TreeMap<>();
        for (JobState job : queries.jobs()) {
            byId.put(job.jobId(), JobJson.job(job, now));
        }
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null) {
            for (HostInfo host : router.hostsOf(JobTopology.JOBS_STORE)) {
                if (host.equals(router.self())) {
                    continue;
                }
                ForwardClient.Response response = router.forward(host, "/jobs");
                if (response.status() != 200) {
                    throw new StoreUnavailableException(
                            "Instance " + host + " answered " + response.status(), null);
                }
                ServiceJson.mapper()
                        .readTree(response.text())
                        .path("jobs")
                        .forEach(n -> byId.put(n.path("job_id").asText(), n));
            }
        }
        ObjectNode body = ServiceJson.mapper().createObjectNode();
        body.putArray("jobs").addAll(byId.values());
        ServiceHttp.ok(ctx, body);
    }

    private void cancel(Context ctx) throws JsonProcessingException {
        String id = jobId(ctx);
        JobCancelRequest request =
                ctx.body().isBlank()
                        ? JobCancelRequest.byDefault()
                        : ServiceJson.read(ctx.body(), JobCancelRequest.class);
        JsonNode job = lookup(id);
        if (job == null) {
            throw new NotFoundException("No job '" + id + "'");
        }
        String status = job.path("status").asText();
        if (status.equals("COMPLETED") || status.equals("CANCELLED")) {
            throw new ConflictException("Job '" + id + "' is " + status + "; nothing to cancel");
        }
        commands.cancel(id, request.reason(), request.requestedBy(), request.cancelRunning());
        ServiceHttp.reply(
                ctx,
                202,
                ServiceJson.mapper()
                        .createObjectNode()
                        .put("job_id", id)
                        .put("status", "CANCEL_REQUESTED")
                        .put("cancel_running", request.cancelRunning()));
    }

    private static String jobId(Context ctx) {
        return JobIds.require(Params.path(ctx, "id", "job id"));
    }

    /** The job's status view, wherever it lives (null when unknown). */
    private JsonNode lookup(String id) throws JsonProcessingException {
        if (owner(id) instanceof InstanceRouter.Remote remote) {
            ForwardClient.Response response =
                    router.forward(remote.host(), "/jobs/" + ProcessorClient.encode(id));
            if (response.status() == 404) {
                return null;
            }
            if (response.status() != 200) {
                throw new StoreUnavailableException(
                        "Instance " + remote.host() + " answered " + response.status(), null);
            }
            return ServiceJson.mapper().readTree(response.text());
        }
        return queries.job(id)
                .map(s -> (JsonNode) JobJson.job(s, System.currentTimeMillis()))
                .orElse(null);
    }

    private InstanceRouter.Owner owner(String id) {
        return router.ownerOf(JobTopology.JOBS_STORE, id, new StringSerializer());
    }
}

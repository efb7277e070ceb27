package ams.conversations.http;

import ams.conversations.jobs.JobPlan;
import ams.events.InvalidRequestException;
import ams.events.JobIds;
import ams.events.conversation.ConversationRequested;
import ams.events.job.JobCartesian;
import ams.service.http.ServiceJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the body of {@code POST /jobs} into a {@link JobPlan}. Two shapes: a JSON object ({@code
 * job_id}, {@code name}, {@code concurrency}, and either {@code conversations}, a list of generate
 * bodies, or {@code cartesian}: {@code count}, {@code topics}, {@code agent_groups} and any other
 * generate field as the template), or JSON Lines, one generate body a line (job fields then come
 * from the query). Each conversation is checked exactly as {@code POST /conversations/generate}
 * checks it, and an error names where it is: the field, {@code conversations[i]} or {@code line n}.
 */
public final class JobRequest {

    public static final int DEFAULT_CONCURRENCY = 16;
    public static final int MAX_CONCURRENCY = 1_000;
    public static final int MAX_CONVERSATIONS = 1_000_000;
    private static final Set<String> FIELDS =
            Set.of("job_id", "name", "concurrency", "conversations", "cartesian");

    private JobRequest() {}

    /** A JSON object body. */
    public static JobPlan fromJson(String body) {
        JsonNode root = ServiceJson.object(body);
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new InvalidRequestException(
                        "unknown field '"
                                + field
                                + "': the fields are cartesian, concurrency, conversations,"
                                + " job_id, name");
            }
        }
        String jobId = text(root, "job_id");
        String name = text(root, "name");
        Integer concurrency =
                root.hasNonNull("concurrency")
                        ? integer(root.get("concurrency"), "concurrency")
                        : null;
        boolean listed = root.has("conversations");
        boolean cartesian = root.has("cartesian");
        if (listed == cartesian) {
            throw new InvalidRequestException(
                    "a job needs exactly one of 'conversations' (a list of generate requests) or"
                            + " 'cartesian' (count, topics, agent_groups)");
        }
        if (listed) {
            JsonNode list = root.get("conversations");
            if (!list.isArray()) {
                throw new InvalidRequestException(
                        "'conversations' must be a list of generate requests");
            }
            List<ConversationRequested> conversations = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                conversations.add(conversation(list.get(i), "conversations[" + i + "]"));
            }
            return listed(jobId, name, concurrency, conversations);
        }
        return cartesian(jobId, name, concurrency, root.get("cartesian"));
    }

    /** The plan with the job fields given outside the body (query parameters) in place. */
    public static JobPlan withOverrides(
            JobPlan plan, String jobId, String name, Integer concurrency) {
        return new JobPlan(
                jobId == null ? plan.jobId() : JobIds.require(jobId),
                name == null ? plan.name() : name,
                concurrency == null ? plan.concurrency() : concurrency(concurrency),
                plan.total(),
                plan.cartesian(),
                plan.listed(),
                plan.agents());
    }

    /** A JSON Lines body: one generate request a line; blank lines are skipped. */
    public static JobPlan fromJsonLines(
            String body, String jobId, String name, Integer concurrency) {
        List<ConversationRequested> conversations = new ArrayList<>();
        String[] lines = body == null ? new String[0] : body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            JsonNode node;
            try {
                node = ServiceJson.mapper().readTree(line);
            } catch (JsonProcessingException e) {
                throw new InvalidRequestException(
                        "line " + (i + 1) + ": not valid JSON: " + e.getOriginalMessage());
            }
            conversations.add(conversation(node, "line " + (i + 1)));
        }
        return listed(jobId, name, concurrency, conversations);
    }

    private static JobPlan listed(
            String jobId, String name, Integer concurrency, List<ConversationRequested> list) {
        if (list.isEmpty()) {
            throw new InvalidRequestException("the job lists no conversations");
        }
        if (list.size() > MAX_CONVERSATIONS) {
            throw new InvalidRequestException(
                    "a job holds at most " + MAX_CONVERSATIONS + " conversations");
        }
        Set<String> agents = new TreeSet<>();
        list.forEach(c -> agents.addAll(c.getParticipants()));
        return new JobPlan(
                jobId(jobId), name, concurrency(concurrency), list.size(), null, list, agents);
    }

    private static JobPlan cartesian(
            String jobId, String name, Integer concurrency, JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            throw new InvalidRequestException(
                    "'cartesian' must be an object with count, topics and agent_groups");
        }
        ObjectNode template = ((ObjectNode) spec).deepCopy();
        JsonNode countNode = template.remove("count");
        JsonNode topicsNode = template.remove("topics");
        JsonNode groupsNode = template.remove("agent_groups");
        for (String taken : List.of("agents", "topic", "conversation_id")) {
            if (template.has(taken)) {
                throw new InvalidRequestException(
                        "'cartesian."
                                + taken
                                + "' is not allowed: a cartesian job takes topics, agent_groups"
                                + " and count, and chooses each conversation's id");
            }
        }
        if (countNode == null) {
            throw new InvalidRequestException("'cartesian.count' is required");
        }
        int count = integer(countNode, "cartesian.count");
        if (count < 1 || count > MAX_CONVERSATIONS) {
            throw new InvalidRequestException(
                    "'cartesian.count' must be from 1 to " + MAX_CONVERSATIONS);
        }
        List<String> topics = strings(topicsNode, "cartesian.topics");
        if (groupsNode == null || !groupsNode.isArray() || groupsNode.isEmpty()) {
            throw new InvalidRequestException(
                    "'cartesian.agent_groups' must be a non-empty list of agent id lists");
        }
        List<List<String>> groups = new ArrayList<>();
        Set<String> agents = new TreeSet<>();
        ConversationRequested first = null;
        for (int g = 0; g < groupsNode.size(); g++) {
            List<String> group = strings(groupsNode.get(g), "cartesian.agent_groups[" + g + "]");
            ObjectNode one = template.deepCopy();
            ArrayNode agentsNode = one.putArray("agents");
            group.forEach(agentsNode::add);
            one.put("topic", topics.get(0));
            ConversationRequested checked =
                    conversation(one, "cartesian (agent_groups[" + g + "])");
            if (first == null) {
                first = checked;
            }
            groups.add(group);
            agents.addAll(group);
        }
        JobCartesian cartesian =
                JobCartesian.newBuilder()
                        .setTopics(topics)
                        .setAgentGroups(groups)
                        .setTemplate(first)
                        .build();
        return new JobPlan(
                jobId(jobId), name, concurrency(concurrency), count, cartesian, List.of(), agents);
    }

    private static ConversationRequested conversation(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(where + ": must be a generate request (an object)");
        }
        if (node.has("conversation_id")) {
            throw new InvalidRequestException(
                    where
                            + ": 'conversation_id' is chosen by the job (<job_id>-<index>);"
                            + " leave it out");
        }
        try {
            return ServiceJson.read(node.toString(), GenerateRequest.class).toEvent();
        } catch (InvalidRequestException e) {
            throw new InvalidRequestException(where + ": " + e.getMessage());
        }
    }

    private static String jobId(String jobId) {
        return jobId == null ? JobIds.newJobId() : JobIds.require(jobId);
    }

    private static int concurrency(Integer concurrency) {
        if (concurrency == null) {
            return DEFAULT_CONCURRENCY;
        }
        if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
            throw new InvalidRequestException(
                    "'concurrency' must be an integer from 1 to " + MAX_CONCURRENCY);
        }
        return concurrency;
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw new InvalidRequestException("'" + field + "' must be a non-blank string");
        }
        return node.asText();
    }

    private static int integer(JsonNode node, String field) {
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw new InvalidRequestException("'" + field + "' must be an integer");
        }
        return node.asInt();
    }

    private static List<String> strings(JsonNode node, String field) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new InvalidRequestException(
                    "'" + field + "' must be a non-empty list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) {
            if (!n.isTextual() || n.asText().isBlank()) {
                throw new InvalidRequestException(
                        "'" + field + "' must contain only non-blank strings");
            }
            out.add(n.asText());
        }
        return out;
    }
}

package ams.events;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Job ids and the deterministic ids of a job's conversations: conversation {@code i} of job {@code
 * j} is {@code j-<i, 6 digits or more>}. The id is a function of (job, index), so a driver that
 * starts conversation {@code i} again after a crash starts the same conversation, which generate
 * treats as the retry it is. Every event of such a conversation that the orchestrator writes also
 * carries {@code correlationId = jobId}.
 */
public final class JobIds {

    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    /** What one conversation of a job is: the job and its index in it. */
    public record JobConversation(String jobId, int index) {}

    private JobIds() {}

    public static String newJobId() {
        return "job-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    /** Returns {@code jobId} when it is well formed; otherwise says what a valid id looks like. */
    public static String require(String jobId) {
        if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
            throw new InvalidRequestException(
                    "job_id must be 1-64 characters of letters, digits, '_' or '-', starting with"
                            + " a letter or digit; was "
                            + (jobId == null ? "missing" : "'" + jobId + "'"));
        }
        return jobId;
    }

    public static String conversationId(String jobId, int index) {
        return jobId + "-" + String.format("%06d", index);
    }

    /**
     * The job and index a conversation id names, if it has the shape of a job's conversation id.
     * The shape alone proves nothing (a client may choose such an id); the job's own bookkeeping
     * decides whether the index is one of its conversations.
     */
    public static Optional<JobConversation> parse(String conversationId) {
        int dash = conversationId.lastIndexOf('-');
        if (dash < 1 || conversationId.length() - dash - 1 < 6) {
            return Optional.empty();
        }
        String digits = conversationId.substring(dash + 1);
        if (digits.length() > 9 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return Optional.empty();
        }
        String jobId = conversationId.substring(0, dash);
        if (!JOB_ID.matcher(jobId).matches()) {
            return Optional.empty();
        }
        return Optional.of(new JobConversation(jobId, Integer.parseInt(digits)));
    }
}

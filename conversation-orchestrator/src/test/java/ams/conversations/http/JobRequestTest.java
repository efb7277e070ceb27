package ams.conversations.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.conversations.jobs.JobPlan;
import ams.events.InvalidRequestException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobRequestTest {

    @Test
    void shouldReadAListedJob() {
        JobPlan plan =
                JobRequest.fromJson(
                        """
                        {"job_id": "j1", "name": "n", "concurrency": 4, "conversations": [
                          {"agents": ["a", "b"], "topic": "x", "num_turns": 2},
                          {"agents": ["c"], "topic": "y", "seed": 9}]}
                        """);
        assertEquals("j1", plan.jobId());
        assertEquals(2, plan.total());
        assertEquals(4, plan.concurrency());
        assertNull(plan.cartesian());
        assertEquals(Set.of("a", "b", "c"), plan.agents());
        assertEquals("y", plan.listed().get(1).getTopic());
    }

    @Test
    void shouldReadJsonLinesAndNameTheBadLine() {
        JobPlan plan =
                JobRequest.fromJsonLines(
                        "{\"agents\": [\"a\"], \"topic\": \"x\"}\n\n{\"agents\": [\"b\"], \"topic\": \"y\"}\n",
                        null,
                        null,
                        16);
        assertEquals(2, plan.total());
        assertTrue(plan.jobId().startsWith("job-"));
        InvalidRequestException bad =
                assertThrows(
                        InvalidRequestException.class,
                        () ->
                                JobRequest.fromJsonLines(
                                        "{\"agents\": [\"a\"], \"topic\": \"x\"}\n{\"agents\": [\"a\"]}\n",
                                        null,
                                        null,
                                        16));
        assertEquals("line 2: 'topic' is required", bad.getMessage());
        InvalidRequestException notJson =
                assertThrows(
                        InvalidRequestException.class,
                        () -> JobRequest.fromJsonLines("{oops\n", null, null, 16));
        assertTrue(notJson.getMessage().startsWith("line 1: not valid JSON"), notJson.getMessage());
    }

    @Test
    void shouldNameTheFieldOfABadSpec() {
        assertMessage(
                "{\"conversations\": [{\"agents\": [\"a\"], \"topic\": \"x\", \"num_turns\": 0}]}",
                "conversations[0]: 'num_turns' must be an integer from 1 to 10000");
        assertMessage(
                "{\"conversations\": [{\"agents\": [\"a\"], \"topic\": \"x\", \"conversation_id\": \"c\"}]}",
                "conversations[0]: 'conversation_id' is chosen by the job (<job_id>-<index>); leave it out");
        assertMessage(
                "{\"conversations\": [], \"cartesian\": {}}",
                "a job needs exactly one of 'conversations' (a list of generate requests) or 'cartesian' (count, topics, agent_groups)");
        assertMessage(
                "{\"cartesian\": {\"count\": 3, \"topics\": [\"t\"], \"agent_groups\": [[\"a\", \"a\"]]}}",
                "cartesian (agent_groups[0]): 'agents' must not repeat an agent");
        assertMessage(
                "{\"cartesian\": {\"topics\": [\"t\"], \"agent_groups\": [[\"a\"]]}}",
                "'cartesian.count' is required");
        assertMessage(
                "{\"cartesian\": {\"count\": 1, \"topics\": [], \"agent_groups\": [[\"a\"]]}}",
                "'cartesian.topics' must be a non-empty list of strings");
        assertMessage(
                "{\"concurrency\": 0, \"conversations\": [{\"agents\": [\"a\"], \"topic\": \"x\"}]}",
                "'concurrency' must be an integer from 1 to 1000");
        assertMessage(
                "{\"job_id\": \"no/slash\", \"conversations\": [{\"agents\": [\"a\"], \"topic\": \"x\"}]}",
                "job_id must be 1-64 characters of letters, digits, '_' or '-', starting with a letter or digit; was 'no/slash'");
        assertMessage(
                "{\"jobs\": 1}",
                "unknown field 'jobs': the fields are cartesian, concurrency, conversations, job_id, name");
    }

    private static void assertMessage(String body, String message) {
        InvalidRequestException e =
                assertThrows(InvalidRequestException.class, () -> JobRequest.fromJson(body));
        assertEquals(message, e.getMessage());
    }
}

package ams.conversations.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ams.conversations.http.JobRequest;
import ams.events.conversation.ConversationRequested;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JobExpansionTest {

    @Test
    void shouldCoverTopicsTimesGroupsAndGiveEachConversationItsOwnSeed() {
        JobPlan plan =
                JobRequest.fromJson(
                        """
                        {"cartesian": {"count": 12, "topics": ["t1", "t2", "t3"],
                          "agent_groups": [["a", "b"], ["c", "d", "e"]],
                          "num_turns": 4, "seed": 100}}
                        """);
        assertEquals(12, plan.total());
        Set<String> pairs = new HashSet<>();
        for (int i = 0; i < plan.total(); i++) {
            ConversationRequested c = JobExpansion.conversation(plan.cartesian(), i);
            pairs.add(c.getTopic() + "/" + c.getParticipants());
            assertEquals(100L + i, c.getSeed());
            assertEquals(4, c.getMaxTurns());
        }
        assertEquals(6, pairs.size(), "every topic with every group");
        ConversationRequested third = JobExpansion.conversation(plan.cartesian(), 3);
        assertEquals("t1", third.getTopic());
        assertEquals(List.of("c", "d", "e"), third.getParticipants());
    }
}

package ams.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.job.JobEvent;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.media.MediaEvent;
import ams.events.serde.SchemaHistory;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityResult;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schema-evolution contract of DESIGN.md: each current topic schema reads every released
 * version, and the newest released version is the current schema (so a change is recorded as a new
 * vN before it ships).
 */
class SchemaEvolutionTest {

    static Stream<Schema> currentSchemas() {
        return Stream.of(
                AgentEvent.getClassSchema(),
                ConversationEvent.getClassSchema(),
                KnowledgeEvent.getClassSchema(),
                JobEvent.getClassSchema(),
                MediaEvent.getClassSchema(),
                DeadLetter.getClassSchema());
    }

    @ParameterizedTest
    @MethodSource("currentSchemas")
    void currentSchemaReadsEveryReleasedVersion(Schema current) {
        List<Schema> released = SchemaHistory.releasedVersions(current.getName());
        assertFalse(
                released.isEmpty(),
                "No released version of " + current.getName() + " under schema-history/");
        for (int i = 0; i < released.size(); i++) {
            SchemaCompatibilityResult result =
                    SchemaCompatibility.checkReaderWriterCompatibility(current, released.get(i))
                            .getResult();
            if (result.getCompatibility()
                    != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                fail(
                        "Current "
                                + current.getFullName()
                                + " cannot read released v"
                                + (i + 1)
                                + ":\n"
                                + result.getIncompatibilities().stream()
                                        .map(
                                                inc ->
                                                        "  - "
                                                                + inc.getType()
                                                                + " at "
                                                                + inc.getLocation()
                                                                + ": "
                                                                + inc.getMessage())
                                        .collect(Collectors.joining("\n"))
                                + "\nMake the change compatible (new fields need defaults, unions keep their branches, enums a default).");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("currentSchemas")
    void newestReleasedVersionIsTheCurrentSchema(Schema current) {
        List<Schema> released = SchemaHistory.releasedVersions(current.getName());
        Schema newest = released.get(released.size() - 1);
        assertEquals(
                SchemaNormalization.toParsingForm(newest),
                SchemaNormalization.toParsingForm(current),
                current.getFullName()
                        + " changed since v"
                        + released.size()
                        + ": copy its schema to "
                        + "events/src/test/resources/schema-history/v"
                        + (released.size() + 1)
                        + "/ when you release it");
    }
}

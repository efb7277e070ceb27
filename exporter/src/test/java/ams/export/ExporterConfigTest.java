package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exporter's group id is the shared application.id; its old names still set it. */
class ExporterConfigTest {

    @Test
    void shouldDefaultItsGroupAndPort() {
        ExporterConfig config = new ExporterConfig(Map.of());

        assertEquals("ams-exporter", config.groupId());
        assertEquals(8085, config.httpPort());
        assertEquals("./ams-data/datasets", config.getString(ExporterConfig.DATASET_ROOT));
    }

    @Test
    void shouldReadTheOldGroupIdNamesUnlessTheNewOneIsSet() {
        assertEquals(
                "old-env",
                ExporterConfig.fromEnvironment(Map.of("AMS_EXPORTER_GROUP_ID", "old-env"), Map.of())
                        .groupId());
        assertEquals(
                "old-key", new ExporterConfig(Map.of("exporter.group.id", "old-key")).groupId());
        assertEquals(
                "new",
                ExporterConfig.fromEnvironment(
                                Map.of("AMS_EXPORTER_GROUP_ID", "old", "AMS_APPLICATION_ID", "new"),
                                Map.of())
                        .groupId());
        assertEquals(
                "new",
                new ExporterConfig(Map.of("exporter.group.id", "old", "application.id", "new"))
                        .groupId());
    }
}

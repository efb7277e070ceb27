package ams.export.importer;

/**
 * What one import step found and did: rows read, entities published, entities already on the topic.
 */
public record ImportReport(String source, int read, int published, int skipped) {}

package ams.app.rest;

import java.util.function.Supplier;

/**
 * A named part of the system that reports its state (RUNNING when healthy): a processor, the
 * exporter.
 */
public record SystemComponent(String name, Supplier<String> state) {}

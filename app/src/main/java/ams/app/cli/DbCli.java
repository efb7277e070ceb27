package ams.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ams db ...}: what is in the system. */
@Command(
        name = "db",
        mixinStandardHelpOptions = true,
        description = "Statistics of a running system.")
public final class DbCli {

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Records per topic.")
    int stats() {
        PrintWriter out = spec.commandLine().getOut();
        JsonNode answer = api.client().get("/system/stats");
        api.print(
                out,
                answer,
                a ->
                        a.path("topics")
                                .forEach(
                                        t ->
                                                out.printf(
                                                        "%-40s %4d partitions %10d offsets%n",
                                                        t.path("topic").asText(),
                                                        t.path("partitions").asInt(),
                                                        t.path("offsets").asLong())));
        return 0;
    }
}

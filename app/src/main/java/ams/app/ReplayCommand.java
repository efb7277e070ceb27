package ams.app;

import ams.app.system.Replay;
import ams.app.system.StoreDigests;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ams replay}: rebuild every store from the log and prove it by digests. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description =
                "Rebuild every processor's stores from the log (reset offsets, delete internal topics and local state) "
                        + "and print a digest of every store before and after; they must be equal. Run it while 'ams up' is stopped.")
final class ReplayCommand implements Callable<Integer> {

    @Mixin BrokerOptions broker;

    @Mixin SystemOptions system;

    @Option(
            names = "--timeout",
            defaultValue = "PT10M",
            description = "Give up after this long. Default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Option(
            names = "--until",
            description =
                    "Rebuild the system as it was at this ISO-8601 time instead, into a separate "
                            + "topic prefix and state dir, and serve its REST API for inspection until Ctrl-C.")
    java.time.Instant until;

    @Spec CommandSpec spec;

    private static void printFirstDifference(
            PrintWriter out, StoreDigests.Digest before, StoreDigests.Digest after) {
        for (int i = 0; i < Math.max(before.sample().size(), after.sample().size()); i++) {
            String b = i < before.sample().size() ? before.sample().get(i) : "(none)";
            String a = i < after.sample().size() ? after.sample().get(i) : "(none)";
            if (!a.equals(b)) {
                out.printf(
                        "      first difference, entry %d:%n        before %s%n        after  %s%n",
                        i, b, a);
                return;
            }
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (until != null) {
            try (BrokerOptions.Connection connection = broker.connect()) {
                ams.app.system.AsOfSystem.serve(
                        system.settings(broker, connection.bootstrapServers(), 60_000),
                        until,
                        out,
                        timeout);
            }
            return 0;
        }
        try (BrokerOptions.Connection connection = broker.connect()) {
            Replay.Result result =
                    new Replay(system.settings(broker, connection.bootstrapServers(), 60_000), out)
                            .run(timeout);
            for (String app : result.before().keySet()) {
                out.println(app + ":");
                Map<String, StoreDigests.Digest> before = result.before().get(app);
                Map<String, StoreDigests.Digest> after = result.after().get(app);
                for (String store : before.keySet()) {
                    StoreDigests.Digest b = before.get(store);
                    StoreDigests.Digest a = after.get(store);
                    out.printf(
                            "  %-28s before %s%n  %-28s after  %s  %s%n",
                            store, b, "", a, b.equals(a) ? "EQUAL" : "DIFFERENT");
                    if (!b.equals(a)) {
                        printFirstDifference(out, b, a);
                    }
                }
            }
            if (!result.compared()) {
                out.printf(
                        "Rebuilt in %d ms (nothing to compare with: the previous replay was cut off)%n",
                        result.rebuildMillis());
                return 0;
            }
            out.printf(
                    "Rebuilt in %d ms: %s%n",
                    result.rebuildMillis(),
                    result.identical() ? "every store is identical" : "STORES DIFFER");
            return result.identical() ? 0 : 1;
        }
    }
}

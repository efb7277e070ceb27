package ams.testkit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line of a Java process started from a test or a benchmark: this JVM's {@code java},
 * the given flags, this JVM's class path, a main class and its arguments. One place for what every
 * child process of the tests (services, load generators, the CLI under a pseudo-terminal) needs.
 */
public final class ChildJvm {

    private ChildJvm() {}

    /** The {@code java} launcher of the running JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code java <flags> -cp <this class path> <mainClass> <args>}. */
    public static List<String> command(List<String> flags, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(flags);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass);
        command.addAll(args);
        return command;
    }
}

package ams.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ams} command line. */
@Command(name = "ams", mixinStandardHelpOptions = true, version = "ams 0.1.0",
        description = "AMS-DB: agents, multi-agent conversations and knowledge as events on Kafka.",
        subcommands = {DemoCommand.class, TopicsCommand.class, CommandLine.HelpCommand.class})
public final class Ams {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Ams()).execute(args));
    }
}

package ams.app;

import ams.app.cli.AgentCli;
import ams.app.cli.ChatCli;
import ams.app.cli.ConversationCli;
import ams.app.cli.DbCli;
import ams.app.cli.ExportCli;
import ams.app.cli.JobCli;
import ams.app.cli.KnowledgeCli;
import ams.app.cli.MediaCli;
import ams.app.client.RestClient;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ams} command line. */
@Command(
        name = "ams",
        mixinStandardHelpOptions = true,
        version = "ams 0.1.0",
        description = "AMS-DB: agents, multi-agent conversations and knowledge as events on Kafka.",
        subcommands = {
            UpCommand.class,
            ApiCommand.class,
            DemoCommand.class,
            ReplayCommand.class,
            ImportCommand.class,
            AgentCli.class,
            KnowledgeCli.class,
            ConversationCli.class,
            JobCli.class,
            ChatCli.class,
            MediaCli.class,
            ExportCli.class,
            DbCli.class,
            TopicsCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:the request was refused (the message says why)",
            "2:wrong usage",
            "3:the system is not reachable or not ready",
            "4:not found"
        })
public final class Ams {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with its error mapping: API refusals print their message and exit with a
     * meaningful code.
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Ams());
        cli.setExecutionExceptionHandler(
                (e, commandLine, parseResult) -> {
                    if (e instanceof RestClient.ApiException api) {
                        commandLine.getErr().println("error: " + api.getMessage());
                        return api.exitCode();
                    }
                    if (e instanceof IllegalArgumentException
                            || e instanceof java.io.IOException
                            || e instanceof ams.app.system.UnfinishedReplayException) {
                        commandLine.getErr().println("error: " + e.getMessage());
                        return 1;
                    }
                    throw e;
                });
        return cli;
    }
}

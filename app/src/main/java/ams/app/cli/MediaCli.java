package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ams media ...}: images and audio in the content-addressed media store. */
@Command(
        name = "media",
        mixinStandardHelpOptions = true,
        description = "Upload media (images, audio) and look them up by their SHA-256.")
public final class MediaCli {

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /**
     * Uploads {@code file} as it is; the server reads its type from the bytes (so no type is
     * guessed from the file name here).
     */
    static JsonNode upload(RestClient client, Path file) {
        Path name = file.getFileName();
        return client.postFile(
                "/media?uploaded_by=cli"
                        + (name == null ? "" : "&file_name=" + RestClient.encode(name.toString())),
                file,
                "application/octet-stream");
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description = "Upload a file to the media store; prints its SHA-256.")
    int add(
            @Parameters(paramLabel = "FILE") Path file,
            @Option(names = "--type", description = "Its Content-Type (default: from the bytes)")
                    String type) {
        JsonNode answer =
                type == null
                        ? upload(api.client(), file)
                        : api.client().postFile("/media?uploaded_by=cli", file, type);
        api.print(
                out(),
                answer,
                a ->
                        out().printf(
                                        "%s %s %d bytes%n",
                                        a.path("sha256").asText(),
                                        a.path("content_type").asText(),
                                        a.path("size_bytes").asLong()));
        return 0;
    }

    @Command(
            name = "info",
            mixinStandardHelpOptions = true,
            description = "What the media store holds under a SHA-256.")
    int info(@Parameters(paramLabel = "SHA256") String sha256) {
        JsonNode answer = api.client().get("/media/" + RestClient.encode(sha256) + "/info");
        api.print(
                out(),
                answer,
                a ->
                        out().printf(
                                        "%s %s %d bytes%n",
                                        a.path("sha256").asText(),
                                        a.path("content_type").asText(),
                                        a.path("size_bytes").asLong()));
        return 0;
    }

    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = "Download a media object's bytes to a file.")
    int get(
            @Parameters(index = "0", paramLabel = "SHA256") String sha256,
            @Parameters(index = "1", paramLabel = "FILE") Path target) {
        long size = api.client().download("/media/" + RestClient.encode(sha256), target);
        out().printf("%s: %d bytes%n", target, size);
        return 0;
    }
}

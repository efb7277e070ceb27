package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ams knowledge ...}: an agent's knowledge documents and search. */
@Command(
        name = "knowledge",
        mixinStandardHelpOptions = true,
        description = "Add, search, list and remove an agent's knowledge.")
public final class KnowledgeCli {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec CommandSpec spec;

    @Mixin ApiOptions api;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private String upload(Path image) {
        Path name = image.getFileName();
        return api.client()
                .postFile(
                        "/media?uploaded_by=cli"
                                + (name == null
                                        ? ""
                                        : "&file_name=" + RestClient.encode(name.toString())),
                        image,
                        "application/octet-stream")
                .path("sha256")
                .asText();
    }

    @Command(
            name = "add",
            mixinStandardHelpOptions = true,
            description =
                    "Add a document to an agent's knowledge: a text, or an image (--image, --media)"
                            + " whose caption (--content, else the vision model's description)"
                            + " is indexed.")
    int add(
            @Parameters(paramLabel = "AGENT_ID") String agentId,
            @Option(names = "--title", required = true) String title,
            @Option(
                            names = "--content",
                            description = "The text, or use --file; with an image, its caption")
                    String content,
            @Option(names = "--file", description = "Read the text from a file") Path file,
            @Option(
                            names = "--image",
                            description = "Upload this image (POST /media) and add it as knowledge")
                    Path image,
            @Option(
                            names = "--media",
                            description = "Add an image already in the media store (its sha256)")
                    String media,
            @Option(names = "--id", description = "Document id (default: generated)")
                    String documentId,
            @Option(names = "--source", defaultValue = "cli") String source,
            @Option(names = "--content-type", defaultValue = "text") String contentType,
            @Option(names = "--tag") List<String> tags,
            @Mixin WaitOption wait)
            throws IOException {
        if (image != null && media != null) {
            throw new IllegalArgumentException("give one of --image or --media, not both");
        }
        boolean isImage = image != null || media != null;
        if ((content != null && file != null) || (!isImage && content == null && file == null)) {
            throw new IllegalArgumentException("give exactly one of --content or --file");
        }
        ObjectNode body = JSON.createObjectNode();
        if (documentId != null) {
            body.put("document_id", documentId);
        }
        body.put("title", title);
        if (content != null || file != null) {
            body.put("content", content != null ? content : Files.readString(file));
        }
        body.put("source", source);
        if (isImage) {
            // The image's type comes from the media store; the caption may come from the model.
            body.put("media", media != null ? media : upload(image));
        } else {
            body.put("content_type", contentType);
        }
        body.set("tags", JSON.valueToTree(tags == null ? List.of() : tags));
        JsonNode answer =
                api.client().post("/agents/" + RestClient.encode(agentId) + "/knowledge", body);
        return wait.printAndSettle(
                api,
                out(),
                answer,
                a ->
                        out().printf(
                                        "Document %s added to %s%n",
                                        a.path("document_id").asText(), agentId));
    }

    @Command(
            name = "search",
            mixinStandardHelpOptions = true,
            description = "Search an agent's knowledge (hybrid by default).")
    int search(
            @Parameters(index = "0", paramLabel = "AGENT_ID") String agentId,
            @Parameters(index = "1", paramLabel = "QUERY") String query,
            @Option(
                            names = {"-k", "--top"},
                            defaultValue = "5")
                    int k,
            @Option(
                            names = "--mode",
                            defaultValue = "hybrid",
                            description = "hybrid, vector or lexical")
                    String mode,
            @Option(
                            names = "--as-of",
                            description =
                                    "search the documents as they stood at this time (ISO-8601,"
                                            + " e.g. 2026-12-01T00:00:00Z)")
                    String asOf) {
        JsonNode answer =
                api.client()
                        .get(
                                "/agents/"
                                        + RestClient.encode(agentId)
                                        + "/knowledge/search?q="
                                        + RestClient.encode(query)
                                        + "&k="
                                        + k
                                        + "&mode="
                                        + RestClient.encode(mode)
                                        + (asOf == null
                                                ? ""
                                                : "&as_of=" + RestClient.encode(asOf)));
        api.print(
                out(),
                answer,
                a -> {
                    for (JsonNode hit : a.path("results")) {
                        out().printf(
                                        "%.3f  %-24s %s%n",
                                        hit.path("similarity").asDouble(),
                                        hit.path("document_id").asText(),
                                        hit.path("title").asText());
                    }
                });
        return 0;
    }

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List an agent's documents.")
    int list(@Parameters(paramLabel = "AGENT_ID") String agentId) {
        JsonNode answer = api.client().get("/agents/" + RestClient.encode(agentId) + "/knowledge");
        api.print(
                out(),
                answer,
                a -> {
                    for (JsonNode doc : a.path("documents")) {
                        out().printf(
                                        "%-36s %s%n",
                                        doc.path("document_id").asText(),
                                        doc.path("title").asText());
                    }
                });
        return 0;
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a document.")
    int remove(
            @Parameters(index = "0", paramLabel = "AGENT_ID") String agentId,
            @Parameters(index = "1", paramLabel = "DOCUMENT_ID") String documentId,
            @Mixin WaitOption wait) {
        JsonNode answer =
                api.client()
                        .delete(
                                "/agents/"
                                        + RestClient.encode(agentId)
                                        + "/knowledge/"
                                        + RestClient.encode(documentId));
        return wait.printAndSettle(
                api,
                out(),
                answer,
                a -> out().printf("Document %s removed from %s%n", documentId, agentId));
    }
}

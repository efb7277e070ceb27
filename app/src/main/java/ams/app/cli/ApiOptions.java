package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Options every command that talks to a running system shares. */
final class ApiOptions {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--api",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:AMS_API:-http://127.0.0.1:8080}",
            description =
                    "Base URL of the REST API of a running system (env AMS_API). Default: ${DEFAULT-VALUE}")
    String api;

    @Option(
            names = "--token",
            scope = ScopeType.INHERIT,
            defaultValue = "${env:AMS_API_TOKEN}",
            description = "Bearer token, when the API requires one (env AMS_API_TOKEN).")
    String token;

    @Option(
            names = "--json",
            scope = ScopeType.INHERIT,
            description = "Print the raw JSON answer (for scripts).")
    boolean json;

    public RestClient client() {
        return new RestClient(api, token);
    }

    public boolean json() {
        return json;
    }

    /** Prints the answer as JSON when asked, else through the human formatter. */
    public void print(
            PrintWriter out, JsonNode answer, java.util.function.Consumer<JsonNode> human) {
        if (json) {
            try {
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(answer));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            human.accept(answer);
        }
    }
}

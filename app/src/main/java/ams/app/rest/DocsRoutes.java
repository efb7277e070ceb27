package ams.app.rest;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.NotFoundResponse;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The API's documentation: the OpenAPI document ({@code /openapi.json}), a browsable Swagger UI
 * over it ({@code /docs}, its files from the swagger-ui WebJar under {@code /docs/assets/}), and
 * the routes this server actually registered ({@code /docs/routes}), which is what the document is
 * checked against. No data: these answer without a token (see {@code BearerToken}).
 */
final class DocsRoutes {

    static final String OPENAPI_RESOURCE = "/ams/openapi.json";

    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";

    /** The WebJar's files the page loads; nothing else on the classpath is served. */
    private static final Map<String, String> ASSETS =
            Map.of(
                    "swagger-ui.css", "text/css; charset=utf-8",
                    "index.css", "text/css; charset=utf-8",
                    "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
                    "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8",
                    "favicon-16x16.png", "image/png",
                    "favicon-32x32.png", "image/png");

    private static final String PAGE =
            """
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>AMS-DB REST API</title>
              <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
              <link rel="stylesheet" href="/docs/assets/index.css">
              <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
              <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/docs/assets/swagger-ui-bundle.js"></script>
              <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
              <script>
                window.onload = function () {
                  window.ui = SwaggerUIBundle({
                    url: "/openapi.json",
                    dom_id: "#swagger-ui",
                    deepLinking: true,
                    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                    layout: "StandaloneLayout"
                  });
                };
              </script>
            </body>
            </html>
            """;

    /** One registered route. */
    record Route(String method, String path) {}

    /** The routes a server answers, sorted by path then method. */
    record Routes(List<Route> routes) {}

    private final String webjarRoot = WEBJAR + webjarVersion() + "/";

    void register(Javalin app) {
        app.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi()));
        app.get("/docs", ctx -> ctx.html(PAGE));
        app.get("/docs/assets/{file}", this::asset);
        // Read at request time, so routes registered after this one are listed too.
        app.get("/docs/routes", ctx -> ctx.json(routes(app)));
    }

    private void asset(Context ctx) throws IOException {
        String file = ctx.pathParam("file");
        String type = ASSETS.get(file);
        if (type == null) {
            throw new NotFoundResponse(
                    "no documentation asset '" + file + "': the page at /docs loads its own");
        }
        try (InputStream in = resource(webjarRoot + file)) {
            // The file belongs to one WebJar version, which the path does not name: a day's cache.
            ctx.contentType(type)
                    .header("Cache-Control", "public, max-age=86400")
                    .result(in.readAllBytes());
        }
    }

    /** The HTTP routes registered on {@code app}: no before/after handlers, no HEAD or OPTIONS. */
    static Routes routes(Javalin app) {
        return new Routes(
                app.unsafeConfig().pvt.internalRouter.allHttpHandlers().stream()
                        .map(parsed -> parsed.getEndpoint())
                        .filter(DocsRoutes::documented)
                        .map(e -> new Route(e.getMethod().name(), e.getPath()))
                        .distinct()
                        .sorted(Comparator.comparing(Route::path).thenComparing(Route::method))
                        .toList());
    }

    private static boolean documented(Endpoint endpoint) {
        HandlerType method = endpoint.getMethod();
        return method.isHttpMethod() && method != HandlerType.HEAD && method != HandlerType.OPTIONS;
    }

    private static byte[] openApi() throws IOException {
        try (InputStream in = DocsRoutes.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(OPENAPI_RESOURCE + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }

    /** The WebJar on the classpath says its version, so a version bump in the pom is enough. */
    private static String webjarVersion() {
        Properties properties = new Properties();
        try (InputStream in = resource("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version");
    }

    private static InputStream resource(String name) {
        InputStream in = DocsRoutes.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(
                    name + " is not on the classpath: is org.webjars:swagger-ui a dependency?");
        }
        return in;
    }
}

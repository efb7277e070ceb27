package ams.service.http;

import io.javalin.http.HttpResponseException;

/**
 * The thing a request names does not exist (answered 404 with the message). A Javalin {@link
 * HttpResponseException} as well, so that a server without {@link ServiceHttp}'s exception map
 * still answers 404 rather than 500.
 */
public final class NotFoundException extends HttpResponseException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String message) {
        super(404, message);
    }
}

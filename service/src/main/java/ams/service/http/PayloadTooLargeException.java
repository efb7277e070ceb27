package ams.service.http;

import io.javalin.http.HttpResponseException;

/** The request's payload is over a limit (answered 413 with the message, which names the limit). */
public final class PayloadTooLargeException extends HttpResponseException {

    private static final long serialVersionUID = 1L;

    public PayloadTooLargeException(String message) {
        super(413, message);
    }
}

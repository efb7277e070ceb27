package ams.service.http;

import io.javalin.http.HttpResponseException;

/**
 * The payload's type is not one this service takes (answered 415 with the message, which lists the
 * types it does take).
 */
public final class UnsupportedMediaTypeException extends HttpResponseException {

    private static final long serialVersionUID = 1L;

    public UnsupportedMediaTypeException(String message) {
        super(415, message);
    }
}

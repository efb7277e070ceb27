package ams.service.http;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The body of every error answer of every AMS port: what went wrong and what to do about it, the
 * status again (for clients that only keep the body), and for a 500 the incident id under which the
 * stack trace was logged.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String error, int status, String incident) {

    public ApiError(String error, int status) {
        this(error, status, null);
    }
}

package ams.app.rest;

/** The body of every error answer: what went wrong and what to do about it. */
record ApiError(String error, int status) {}

package ams.app.system;

/**
 * The system will not start on stores a cut-off replay left behind; the message says what to do.
 * The command line prints it as one line instead of a stack trace.
 */
public final class UnfinishedReplayException extends IllegalStateException {

    UnfinishedReplayException(String message) {
        super(message);
    }
}

package ams.conversations.statemachine;

/**
 * Where a conversation is in its life. The last three are terminal: nothing happens to them on its
 * own. Only a user's resume request moves FAILED back to RUNNING; COMPLETED and CANCELLED are
 * final.
 */
public enum Status {
    REQUESTED,
    RUNNING,
    COMPLETED,
    FAILED,
    CANCELLED;

    public boolean terminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}

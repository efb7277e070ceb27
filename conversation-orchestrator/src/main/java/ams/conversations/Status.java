package ams.conversations;

/** Where a conversation is in its life. The last three are terminal: nothing changes them again. */
public enum Status {
    REQUESTED, RUNNING, COMPLETED, FAILED, CANCELLED;

    public boolean terminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}

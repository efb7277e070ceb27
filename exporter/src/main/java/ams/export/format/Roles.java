package ams.export.format;

import ams.events.conversation.MessageRole;
import java.util.Locale;

/** How a message role is spelled in each output format. */
final class Roles {

    private Roles() {}

    /** The original AMS-DB and OpenAI chat spelling: assistant, user, system. */
    public static String original(MessageRole role) {
        return (role == null ? MessageRole.ASSISTANT : role).name().toLowerCase(Locale.ROOT);
    }

    /** ShareGPT's {@code from}: gpt, human, system. */
    public static String shareGpt(MessageRole role) {
        return switch (role == null ? MessageRole.ASSISTANT : role) {
            case USER -> "human";
            case SYSTEM -> "system";
            default -> "gpt";
        };
    }
}

package ams.export.format;

import ams.events.conversation.MessageRole;
import java.util.Locale;

/** How a message role is spelled in each output format. */
final class Roles {

    /** Spelled once: lower-casing the name per row showed in the sink's profile. */
    private static final java.util.Map<MessageRole, String> ORIGINAL = originalNames();

    private Roles() {}

    /** The original AMS-DB and OpenAI chat spelling: assistant, user, system. */
    public static String original(MessageRole role) {
        return ORIGINAL.get(role == null ? MessageRole.ASSISTANT : role);
    }

    private static java.util.Map<MessageRole, String> originalNames() {
        java.util.Map<MessageRole, String> names = new java.util.EnumMap<>(MessageRole.class);
        for (MessageRole role : MessageRole.values()) {
            names.put(role, role.name().toLowerCase(Locale.ROOT));
        }
        return names;
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

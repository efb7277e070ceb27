package ams.conversations.statemachine;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Chooses who speaks at a turn. Pure and deterministic (the random policy derives its choice from
 * the seed and the turn), so replaying the log chooses the same speakers. The model-selected policy
 * cannot decide on a stream thread (it needs a model call), so it names {@link #MODEL_SELECTED} and
 * the turn worker asks the model.
 */
public final class SpeakerSelection {

    /** Speaker of a TurnRequested whose speaker the worker must choose by asking the model. */
    public static final String MODEL_SELECTED = "?model_selected";

    private SpeakerSelection() {}

    public static String speakerFor(
            String policy,
            List<String> participants,
            List<String> speakerOrder,
            Long seed,
            int turn,
            String lastSpeaker) {
        int n = participants.size();
        switch (policy) {
            case "RANDOM" -> {
                if (n == 1) {
                    return participants.get(0);
                }
                SplittableRandom random = new SplittableRandom(mix(seed == null ? 0L : seed, turn));
                int lastIndex = lastSpeaker == null ? -1 : participants.indexOf(lastSpeaker);
                if (lastIndex < 0) {
                    return participants.get(random.nextInt(n));
                }
                int pick = random.nextInt(n - 1);
                return participants.get(pick >= lastIndex ? pick + 1 : pick);
            }
            case "EXPLICIT" -> {
                return speakerOrder.get(turn % speakerOrder.size());
            }
            case "MODEL_SELECTED" -> {
                return n == 1 ? participants.get(0) : MODEL_SELECTED;
            }
            default -> {
                return participants.get(turn % n);
            }
        }
    }

    /**
     * The speaker of a turn when people take turns too: {@code rotation} is {@code humans ++
     * agents}. Every policy runs over the whole rotation, but the model cannot be asked on a stream
     * thread whether a person should speak, so under {@code MODEL_SELECTED} a seeded draw over the
     * rotation (never the last speaker) decides first: a person drawn speaks, otherwise the model
     * chooses among the agents as usual. With no humans this is {@link #speakerFor(String, List,
     * List, Long, int, String)}.
     */
    public static String speakerFor(
            String policy,
            List<String> rotation,
            List<String> humans,
            List<String> speakerOrder,
            Long seed,
            int turn,
            String lastSpeaker) {
        if (humans.isEmpty() || !"MODEL_SELECTED".equals(policy)) {
            return speakerFor(policy, rotation, speakerOrder, seed, turn, lastSpeaker);
        }
        String drawn = fallback(rotation, seed, turn, lastSpeaker);
        if (humans.contains(drawn)) {
            return drawn;
        }
        List<String> agents = rotation.stream().filter(s -> !humans.contains(s)).toList();
        return speakerFor(policy, agents, speakerOrder, seed, turn, lastSpeaker);
    }

    /**
     * Deterministic choice among {@code candidates} excluding {@code lastSpeaker}, for offline
     * model selection.
     */
    public static String fallback(
            List<String> participants, Long seed, int turn, String lastSpeaker) {
        return speakerFor("RANDOM", participants, List.of(), seed, turn, lastSpeaker);
    }

    /** The policy in which a speaker hands the next turn to someone by naming them. */
    public static final String HANDOFF = "HANDOFF";

    /**
     * Who a turn hands the conversation to under {@link #HANDOFF}: the last line of {@code content}
     * reading {@code NEXT: <agent id>} (any case of "next", an optional {@code @}), when it names
     * another participant; otherwise the next in round-robin order. Decided from the message alone,
     * so a replay hands over alike.
     */
    public static String handedTo(
            List<String> participants, int turn, String speaker, String content) {
        String named = null;
        if (content != null) {
            for (String line : (Iterable<String>) content.lines()::iterator) {
                String trimmed = line.strip();
                if (trimmed.length() > 5 && trimmed.regionMatches(true, 0, "NEXT:", 0, 5)) {
                    String id = trimmed.substring(5).strip();
                    id = id.startsWith("@") ? id.substring(1).strip() : id;
                    if (participants.contains(id) && !id.equals(speaker)) {
                        named = id;
                    }
                }
            }
        }
        return named != null ? named : participants.get(turn % participants.size());
    }

    public static long mix(long seed, int turn) {
        long z = seed * 0x9E3779B97F4A7C15L + turn;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

package ams.export.dataset;

import ams.events.MediaRef;
import ams.events.conversation.MessageRole;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Turns a conversation into one view per agent: the agent's own messages become {@code assistant}
 * turns, the other agents' (and, if asked, the humans') become named {@code user} turns, and
 * consecutive turns of one role are merged, so that every sample is a valid alternating chat for
 * any chat template.
 *
 * <p>Rules: system-role messages are left out (the system prompt is the agent's own); a view that
 * opens with the agent speaking gets a first user turn "Topic: ..." (the conversation's topic is
 * what the agent answered); trailing user turns after the agent's last message are dropped (nothing
 * to learn from). A sample holds at most {@code maxTurns} turns (rounded down to whole
 * user/assistant pairs; 0 = no limit) and one system prompt: a prompt change between two of the
 * agent's turns starts a new sample.
 */
public final class SpeakerViews {

    /**
     * How views are cut.
     *
     * @param agents the agents to make views for; empty = every agent that spoke
     * @param includeHumans whether humans' messages (role user) are kept as user turns
     * @param maxTurns most turns (user + assistant) per sample; 0 = no limit
     */
    public record Options(Set<String> agents, boolean includeHumans, int maxTurns) {
        public Options {
            agents = Set.copyOf(agents);
            if (maxTurns < 0 || maxTurns == 1) {
                throw new IllegalArgumentException(
                        "max turns per sample must be 0 (no limit) or at least 2, was " + maxTurns);
            }
        }
    }

    /** A turn of the view before pairing: role, speakers with their texts, when and by what. */
    private static final class ViewTurn {
        final String role;
        final List<String> names = new ArrayList<>();
        final List<String> texts = new ArrayList<>();
        final Set<String> providers = new LinkedHashSet<>();
        final List<MediaRef> images = new ArrayList<>();
        boolean scripted;
        Instant at;

        ViewTurn(String role, Instant at) {
            this.role = role;
            this.at = at;
        }

        Sample.ChatTurn chat() {
            if (Sample.ChatTurn.ASSISTANT.equals(role)) {
                return new Sample.ChatTurn(role, null, String.join("\n\n", texts), images);
            }
            boolean oneSpeaker = names.stream().distinct().count() <= 1;
            if (oneSpeaker) {
                return new Sample.ChatTurn(
                        role,
                        names.isEmpty() ? null : names.get(0),
                        String.join("\n\n", texts),
                        images);
            }
            StringBuilder content = new StringBuilder();
            for (int i = 0; i < texts.size(); i++) {
                if (i > 0) {
                    content.append("\n\n");
                }
                content.append(names.get(i)).append(": ").append(texts.get(i));
            }
            return new Sample.ChatTurn(role, null, content.toString(), images);
        }
    }

    private final AgentPrompts prompts;
    private final Options options;

    public SpeakerViews(AgentPrompts prompts, Options options) {
        this.prompts = prompts;
        this.options = options;
    }

    /** The views of every chosen agent that spoke in the conversation, agents in speaking order. */
    public List<Sample> samples(LogConversation conversation) {
        Set<String> speakers = new LinkedHashSet<>();
        for (LogConversation.Turn t : conversation.turns()) {
            if (t.message().getRole() == MessageRole.ASSISTANT
                    && (options.agents().isEmpty() || options.agents().contains(t.agentId()))) {
                speakers.add(t.agentId());
            }
        }
        List<Sample> out = new ArrayList<>();
        for (String agent : speakers) {
            out.addAll(view(conversation, agent));
        }
        return out;
    }

    List<Sample> view(LogConversation conversation, String agent) {
        List<ViewTurn> turns = new ArrayList<>();
        for (LogConversation.Turn t : conversation.turns()) {
            MessageRole role = t.message().getRole();
            String chatRole;
            String name;
            if (role == MessageRole.SYSTEM) {
                continue;
            } else if (role == MessageRole.USER) {
                if (!options.includeHumans()) {
                    continue;
                }
                chatRole = Sample.ChatTurn.USER;
                name = t.agentId();
            } else if (t.agentId().equals(agent)) {
                chatRole = Sample.ChatTurn.ASSISTANT;
                name = null;
            } else {
                chatRole = Sample.ChatTurn.USER;
                name = prompts.name(t.agentId(), t.at());
            }
            ViewTurn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
            if (last == null || !last.role.equals(chatRole)) {
                last = new ViewTurn(chatRole, t.at());
                turns.add(last);
            }
            last.names.add(name);
            last.texts.add(t.content());
            if (t.message().getMedia() != null) {
                t.message().getMedia().stream()
                        .filter(DatasetMedia::image)
                        .forEach(last.images::add);
            }
            if (chatRole.equals(Sample.ChatTurn.ASSISTANT)) {
                last.providers.add(t.provider());
                last.scripted |= t.scripted();
            }
        }
        if (!turns.isEmpty() && turns.get(0).role.equals(Sample.ChatTurn.ASSISTANT)) {
            ViewTurn opener = new ViewTurn(Sample.ChatTurn.USER, turns.get(0).at);
            opener.names.add(null);
            opener.texts.add("Topic: " + conversation.topic());
            turns.add(0, opener);
        }
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role.equals(Sample.ChatTurn.USER)) {
            turns.remove(turns.size() - 1);
        }
        // turns now alternate user, assistant, ... and end with assistant: cut into samples.
        int maxPairs = options.maxTurns() == 0 ? Integer.MAX_VALUE : options.maxTurns() / 2;
        List<Sample> samples = new ArrayList<>();
        List<ViewTurn> current = new ArrayList<>();
        String currentSystem = null;
        for (int i = 0; i + 1 < turns.size(); i += 2) {
            ViewTurn user = turns.get(i);
            ViewTurn assistant = turns.get(i + 1);
            String system = prompts.systemPrompt(agent, assistant.at);
            if (!current.isEmpty()
                    && (!Objects.equals(system, currentSystem) || current.size() / 2 >= maxPairs)) {
                samples.add(sample(conversation, agent, currentSystem, current, samples.size()));
                current = new ArrayList<>();
            }
            currentSystem = system;
            current.add(user);
            current.add(assistant);
        }
        if (!current.isEmpty()) {
            samples.add(sample(conversation, agent, currentSystem, current, samples.size()));
        }
        return samples;
    }

    private Sample sample(
            LogConversation conversation,
            String agent,
            String system,
            List<ViewTurn> turns,
            int index) {
        Set<String> providers = new LinkedHashSet<>();
        boolean scripted = false;
        List<Sample.ChatTurn> chat = new ArrayList<>(turns.size());
        for (ViewTurn t : turns) {
            chat.add(t.chat());
            providers.addAll(t.providers);
            scripted |= t.scripted;
        }
        Instant at = turns.get(1).at;
        return new Sample(
                conversation.conversationId() + "/" + agent + "/" + index,
                conversation.conversationId(),
                agent,
                prompts.name(agent, at),
                conversation.topic(),
                system,
                chat,
                new ArrayList<>(providers),
                scripted,
                at);
    }
}

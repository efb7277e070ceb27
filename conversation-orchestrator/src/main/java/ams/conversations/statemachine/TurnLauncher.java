package ams.conversations.statemachine;

import ams.conversations.worker.ConversationSnapshot;
import ams.events.conversation.TurnRequested;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Where the state machine's task starts a turn: off the stream thread (a bounded pool running the
 * turn runner), answering through {@code done} with the events of the turn (a TurnFailed per failed
 * attempt, then the MessageAppended or a final TurnFailed), or null when it was interrupted. A
 * replay has none: it runs no turn.
 */
@FunctionalInterface
public interface TurnLauncher {

    Future<?> launch(
            ConversationSnapshot conversation, TurnRequested request, Consumer<List<Object>> done);
}

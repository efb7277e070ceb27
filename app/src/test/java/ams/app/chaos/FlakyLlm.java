package ams.app.chaos;

import ams.testkit.openai.ChatRequest;
import ams.testkit.openai.Reply;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The fake provider's behaviour during a chaos run: 5 % 429, 3 % 500, every answer after 50–300 ms;
 * and a permanent 500 for any prompt of an agent whose system prompt carries {@link #DOOMED}, so
 * the conversations it speaks first in fail for a recorded reason.
 */
final class FlakyLlm implements Function<ChatRequest, Reply> {

    static final String DOOMED = "CHAOS-PROVIDER-ALWAYS-FAILS";

    private final Random random;
    private final AtomicLong rateLimited = new AtomicLong();
    private final AtomicLong serverErrors = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();

    FlakyLlm(long seed) {
        this.random = new Random(seed);
    }

    @Override
    public Reply apply(ChatRequest request) {
        double dice;
        long delay;
        synchronized (random) {
            dice = random.nextDouble();
            delay = 50 + random.nextInt(251);
        }
        if (request.systemPrompt().contains(DOOMED)) {
            serverErrors.incrementAndGet();
            return Reply.status(500, "chaos: this agent's provider always fails")
                    .after(Duration.ofMillis(delay));
        }
        if (dice < 0.05) {
            rateLimited.incrementAndGet();
            return Reply.rateLimited().after(Duration.ofMillis(delay));
        }
        if (dice < 0.08) {
            serverErrors.incrementAndGet();
            return Reply.serverError().after(Duration.ofMillis(delay));
        }
        answered.incrementAndGet();
        String last = request.lastUserMessage();
        return Reply.text(
                        "Chaos answer "
                                + Long.toHexString(Double.doubleToLongBits(dice))
                                + " to: "
                                + (last.length() > 60 ? last.substring(0, 60) : last))
                .after(Duration.ofMillis(delay));
    }

    String summary() {
        return answered.get()
                + " answers, "
                + rateLimited.get()
                + " injected 429s, "
                + serverErrors.get()
                + " injected 500s";
    }
}

package ams.conversations.llm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.testkit.openai.FakeOpenAiServer;
import ams.testkit.openai.Reply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A streamed reply through the real LangChain4j OpenAI client and {@link RetryAfterHttpClient},
 * against the fake OpenAI server: the stream is read on the calling thread, bounded by the timeout,
 * and ends when that thread is interrupted.
 */
class StreamedReplyTest {

    private static Prompt prompt() {
        return new Prompt(
                "You are a.", List.of(), "Speak.", "a", "A", "p", "topic", List.of(), 1L, 1);
    }

    private static LangChainProvider provider(FakeOpenAiServer fake, Duration timeout) {
        return LangChainProvider.openAi(
                new ModelEndpoint("openai", fake.baseUrl(), "test-model", ""), timeout);
    }

    @Test
    void shouldStreamTokensOnTheCallingThreadAndReturnTheWholeReply() {
        try (FakeOpenAiServer fake =
                FakeOpenAiServer.start().respondWith(r -> Reply.text("one two three"))) {
            List<String> tokens = new CopyOnWriteArrayList<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            ChatProvider.Reply reply =
                    provider(fake, Duration.ofSeconds(10))
                            .reply(
                                    prompt(),
                                    null,
                                    t -> {
                                        tokens.add(t);
                                        threads.add(Thread.currentThread().getName());
                                    });

            assertEquals("one two three", reply.content());
            assertEquals("one two three", String.join("", tokens));
            assertEquals(
                    List.of(Thread.currentThread().getName()),
                    threads.stream().distinct().toList());
        }
    }

    @Test
    void shouldEndAStreamThatOutlivesTheTimeoutWithATimeout() {
        try (FakeOpenAiServer fake =
                FakeOpenAiServer.start()
                        .respondWith(
                                r ->
                                        Reply.text("slow words that keep coming")
                                                .chunksEvery(Duration.ofMillis(400)))) {
            long started = System.nanoTime();
            RuntimeException failure =
                    assertThrows(
                            RuntimeException.class,
                            () ->
                                    provider(fake, Duration.ofMillis(600))
                                            .reply(prompt(), null, TokenSink.NONE));
            long tookMillis = (System.nanoTime() - started) / 1_000_000;

            assertTrue(
                    failure instanceof dev.langchain4j.exception.TimeoutException,
                    "expected a timeout, got " + failure);
            // Five chunks 400 ms apart would take 2 s; the 600 ms deadline cuts it.
            assertTrue(tookMillis < 1_800, "took " + tookMillis + " ms");
        }
    }

    @Test
    void shouldStopReadingWhenTheCallingThreadIsInterrupted() throws Exception {
        try (FakeOpenAiServer fake =
                FakeOpenAiServer.start()
                        .respondWith(
                                r ->
                                        Reply.text("a b c d e f g h i j")
                                                .chunksEvery(Duration.ofMillis(500)))) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            List<String> tokens = new CopyOnWriteArrayList<>();
            CountDownLatch started = new CountDownLatch(1);
            Thread t =
                    new Thread(
                            () -> {
                                try {
                                    provider(fake, Duration.ofSeconds(30))
                                            .reply(
                                                    prompt(),
                                                    null,
                                                    token -> {
                                                        tokens.add(token);
                                                        started.countDown();
                                                    });
                                    outcome.complete(null);
                                } catch (RuntimeException e) {
                                    outcome.complete(e);
                                }
                            });
            t.start();
            assertTrue(started.await(10, TimeUnit.SECONDS), "the stream never started");
            long interrupted = System.nanoTime();
            t.interrupt();

            Throwable failure;
            try {
                failure = outcome.get(3, TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                StringBuilder stack = new StringBuilder();
                for (StackTraceElement frame : t.getStackTrace()) {
                    stack.append("\n  at ").append(frame);
                }
                throw new AssertionError("the call did not end: " + stack, e);
            }
            long tookMillis = (System.nanoTime() - interrupted) / 1_000_000;

            assertTrue(failure != null, "an interrupted call must not return a reply");
            assertTrue(
                    String.valueOf(failure.getMessage()).contains("interrupted"),
                    "expected an interruption, got " + failure);
            // Ten chunks 500 ms apart: reading on would take seconds more.
            assertTrue(tookMillis < 1_000, "took " + tookMillis + " ms after the interrupt");
            assertTrue(tokens.size() < 10, "read on after the interrupt: " + tokens);
        }
    }
}

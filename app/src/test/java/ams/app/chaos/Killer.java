package ams.app.chaos;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Every few seconds (the interval ± 50 %) SIGKILLs a random service that is up and restarts it,
 * without waiting for it to come back, until the minimum number of kills; then it goes on at the
 * same pace, but of normal operation: each victim serves again before the next interval starts.
 * Victims are drawn from a shuffled bag of all services, so every kind dies about as often as the
 * others. Services that exit by themselves are restarted and reported.
 */
final class Killer implements AutoCloseable {

    private static final Duration RECOVERY = Duration.ofMinutes(5);

    private final ProcessSupervisor supervisor;
    private final Duration interval;
    private final Random random;
    private final PrintStream out;
    private final Thread thread;
    private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    private final Object calm = new Object();
    private final long started;
    private final int minKills;
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    Killer(
            ProcessSupervisor supervisor,
            Duration interval,
            int minKills,
            long seed,
            long started,
            PrintStream out) {
        this.started = started;
        this.minKills = minKills;
        this.supervisor = supervisor;
        this.interval = interval;
        this.random = new Random(seed);
        this.out = out;
        this.thread = new Thread(this::loop, "chaos-killer");
        this.thread.setDaemon(true);
    }

    Killer start() {
        thread.start();
        return this;
    }

    private void loop() {
        List<String> bag = new ArrayList<>();
        try {
            while (running) {
                long half = interval.toMillis() / 2;
                Thread.sleep(half + (long) (random.nextDouble() * interval.toMillis()));
                if (!running) {
                    return;
                }
                unexpected.addAll(supervisor.restartExited());
                if (bag.isEmpty()) {
                    bag.addAll(supervisor.names());
                    Collections.shuffle(bag, random);
                }
                // Only a service whose JVM serves HTTP (a 503 counts) dies next: one killed again
                // while it still starts would only add downtime. A restarted Streams processor
                // waits
                // out its dead predecessor's session (45 s) before it listens; meanwhile the others
                // die.
                String victim = null;
                for (int i = bag.size() - 1; i >= 0 && victim == null; i--) {
                    if (supervisor.status(bag.get(i)) > 0) {
                        victim = bag.remove(i);
                    }
                }
                if (victim == null) {
                    continue;
                }
                boolean paced = supervisor.totalKills() >= minKills;
                long killed;
                synchronized (calm) {
                    supervisor.killAndRestart(victim);
                    killed = System.nanoTime();
                    if (paced) {
                        // Past the minimum, each victim is back in service before the next interval
                        // starts: a
                        // restarted Streams processor waits out its predecessor's session (45 s),
                        // and killing at
                        // full rate until the end would leave the conversations no time to move at
                        // all.
                        supervisor.awaitAnswer(victim, RECOVERY);
                    }
                }
                out.printf(
                        "[chaos %4ds] kill -9 %s and restart (kill #%d)%s%n",
                        (killed - started) / 1_000_000_000,
                        victim,
                        supervisor.totalKills(),
                        paced
                                ? "; serving again after "
                                        + (System.nanoTime() - killed) / 1_000_000
                                        + " ms"
                                : "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
        }
    }

    /**
     * Runs {@code work} while no process is being killed or restarting and every service answers:
     * for checks whose failures must not be the killer's doing.
     */
    <T> T duringCalm(java.util.function.Supplier<T> work) throws InterruptedException {
        synchronized (calm) {
            supervisor.awaitAllAnswer(RECOVERY);
            return work.get();
        }
    }

    /** Fails when the killer itself failed (e.g. a process that survived SIGKILL). */
    void check() {
        if (failure != null) {
            throw failure;
        }
    }

    /** Services that died by themselves while the killer ran (each was restarted). */
    List<String> unexpectedExits() {
        return List.copyOf(unexpected);
    }

    @Override
    public void close() {
        // No interrupt: a kill in progress must finish with its restart.
        running = false;
        try {
            thread.join(120_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }
}

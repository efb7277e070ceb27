package ams.app.chaos;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Every few seconds (the interval ± 50 %) SIGKILLs a random service and restarts it. Services are
 * drawn from a shuffled bag, so every kind dies about as often as the others and all of them die
 * within the first round. Services that exit by themselves are restarted and reported.
 */
final class Killer implements AutoCloseable {

    private final ProcessSupervisor supervisor;
    private final Duration interval;
    private final Random random;
    private final PrintStream out;
    private final Thread thread;
    private final List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;
    private volatile RuntimeException failure;

    Killer(ProcessSupervisor supervisor, Duration interval, long seed, PrintStream out) {
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
        long started = System.nanoTime();
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
                String victim = bag.remove(bag.size() - 1);
                supervisor.killAndRestart(victim);
                out.printf("[chaos %4ds] kill -9 %s and restart (kill #%d)%n",
                        (System.nanoTime() - started) / 1_000_000_000, victim, supervisor.totalKills());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
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

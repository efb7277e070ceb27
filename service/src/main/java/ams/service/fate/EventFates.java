package ams.service.fate;

import ams.service.http.ForwardClient;
import ams.service.http.InstanceRouter;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Finds what became of one processor's events ({@link Fate}) by their ids. The id alone does not
 * say which partition or instance settled the event, so this instance looks in its own logs, then
 * asks each other instance of the processor once ({@code GET /events/{id}}, forwarded: answered
 * from that instance's logs only).
 */
public final class EventFates {

    private final List<FateLog> logs;
    private final InstanceRouter router;
    private final String store;

    /**
     * @param store a store every instance of the processor hosts a part of: its hosts are the
     *     instances asked
     */
    public EventFates(InstanceRouter router, String store, FateLog... logs) {
        this.logs = List.of(logs);
        this.router = router;
        this.store = store;
    }

    /** The fate JSON from this instance only. */
    public Optional<String> local(String eventId) {
        for (FateLog log : logs) {
            Optional<String> fate = log.find(eventId);
            if (fate.isPresent()) {
                return fate;
            }
        }
        return Optional.empty();
    }

    /** The fate JSON from the first other instance that has it ({@code path}: the route's). */
    public Optional<String> remote(String path) {
        for (HostInfo host : router.hostsOf(store)) {
            if (host.equals(router.self())) {
                continue;
            }
            ForwardClient.Response response = router.forward(host, path);
            if (response.status() == 200) {
                return Optional.of(response.text());
            }
        }
        return Optional.empty();
    }
}

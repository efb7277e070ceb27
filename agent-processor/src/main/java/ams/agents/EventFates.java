package ams.agents;

import ams.service.http.InstanceRouter;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Finds what became of an agent event ({@link EventFate}) by its id. The id alone does not say
 * which partition or instance folded it, so this instance looks in its own {@link FateLog}, then
 * asks each other instance once.
 */
final class EventFates {

    private final FateLog log;
    private final InstanceRouter router;

    EventFates(FateLog log, InstanceRouter router) {
        this.log = log;
        this.router = router;
    }

    /** The fate JSON from this instance only. */
    Optional<String> local(String eventId) {
        return log.find(eventId);
    }

    /** The fate JSON from this instance or, failing that, the first other instance that has it. */
    Optional<String> find(String eventId, String path) {
        Optional<String> here = local(eventId);
        if (here.isPresent()) {
            return here;
        }
        for (HostInfo host : router.hostsOf(AgentTopology.AGENTS_STORE)) {
            if (host.equals(router.self())) {
                continue;
            }
            InstanceRouter.ForwardedResponse response = router.forward(host, path);
            if (response.status() == 200) {
                return Optional.of(response.body());
            }
        }
        return Optional.empty();
    }
}

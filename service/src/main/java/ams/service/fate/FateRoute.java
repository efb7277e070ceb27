package ams.service.fate;

import ams.service.http.NotFoundException;
import ams.service.http.Params;
import ams.service.http.ServiceHttp;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /events/{event_id}}: the fate of an accepted write, whichever processor settled it.
 * One route per server over the processors it serves ({@code ams up}: all three; a standalone
 * processor: its own), so the same id gets the same answer on every front door. Each processor's
 * own logs are asked first, then its other instances; a forwarded request is answered from this
 * instance only.
 */
public final class FateRoute {

    /** The 404 answer's text, the same on every front door (and the one {@code ams api} gives). */
    public static String notSettled(String eventId) {
        return "no fate for event '"
                + eventId
                + "' yet: a write is applied or rejected moments after it is accepted (retry); each"
                + " instance keeps the fates of the newest "
                + FateLog.PER_PARTITION
                + " events of each partition it settled since it started (a read-only system, as"
                + " ams replay --until serves, keeps none); other events have none";
    }

    private final List<EventFates> owners;

    private FateRoute(List<EventFates> owners) {
        this.owners = List.copyOf(owners);
    }

    /** Mounts the route over {@code owners}, the processors this server serves. */
    public static void register(Javalin app, List<EventFates> owners) {
        app.get("/events/{event_id}", new FateRoute(owners)::answer);
    }

    private void answer(Context ctx) {
        String eventId = Params.path(ctx, "event_id", "event id");
        Optional<String> fate = find(eventId, ctx.path(), ServiceHttp.forwarded(ctx));
        ServiceHttp.raw(
                ctx, 200, fate.orElseThrow(() -> new NotFoundException(notSettled(eventId))));
    }

    private Optional<String> find(String eventId, String path, boolean forwarded) {
        for (EventFates owner : owners) {
            Optional<String> here = owner.local(eventId);
            if (here.isPresent()) {
                return here;
            }
        }
        if (forwarded) {
            return Optional.empty();
        }
        for (EventFates owner : owners) {
            Optional<String> there = owner.remote(path);
            if (there.isPresent()) {
                return there;
            }
        }
        return Optional.empty();
    }
}

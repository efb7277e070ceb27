package ams.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExporterMainTest {

    @Test
    void shouldJoinAsAStaticMemberNamedAfterAFreePort() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Optional<String> id = ExporterMain.staticMember(config(port));
        assertTrue(id.isPresent());
        assertTrue(id.get().startsWith("exporter-group-"), id.get());
        assertTrue(id.get().endsWith("-" + port), id.get());
    }

    @Test
    void shouldRefuseAPortAnotherProcessHoldsBeforeJoiningUnderItsId() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () -> ExporterMain.staticMember(config(taken.getLocalPort())));
            assertTrue(e.getMessage().contains("port " + taken.getLocalPort()), e.getMessage());
        }
    }

    @Test
    void shouldStayADynamicMemberOnAnyFreePort() {
        assertEquals(Optional.empty(), ExporterMain.staticMember(config(0)));
    }

    private static ExporterConfig config(int port) {
        return new ExporterConfig(
                Map.of(
                        ExporterConfig.BOOTSTRAP_SERVERS, "localhost:9092",
                        ExporterConfig.GROUP_ID, "exporter-group",
                        ExporterConfig.HTTP_HOST, "127.0.0.1",
                        ExporterConfig.HTTP_PORT, port));
    }
}

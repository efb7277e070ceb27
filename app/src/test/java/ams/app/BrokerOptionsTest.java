package ams.app;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ams.testkit.FreePorts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class BrokerOptionsTest {

    @Test
    void shouldNameTheControllerPortWhenKafkaPortPlusOneIsTaken() throws Exception {
        int port = FreePorts.next();
        assertDoesNotThrow(() -> BrokerOptions.requireFree(port, "client"));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            IllegalArgumentException refused =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    BrokerOptions.requireFree(
                                            port, "the controller port (--kafka-port + 1)"));
            assertTrue(refused.getMessage().contains("port " + port), refused.getMessage());
            assertTrue(refused.getMessage().contains("--kafka-port"), refused.getMessage());
        }
    }
}

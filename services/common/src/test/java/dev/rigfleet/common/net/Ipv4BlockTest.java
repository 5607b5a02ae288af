package dev.rigfleet.common.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class Ipv4BlockTest {

    @Test
    void anAddressIsASlash32AndABlockContainsItsAddressesOnly() {
        Ipv4Block block = Ipv4Block.parse("10.1.0.0/16").orElseThrow();
        assertEquals(32, Ipv4Block.parse("10.1.2.3").orElseThrow().prefix());
        assertTrue(block.contains(Ipv4Block.parse("10.1.255.255").orElseThrow()));
        assertFalse(block.contains(Ipv4Block.parse("10.2.0.0").orElseThrow()));
        assertTrue(Ipv4Block.parse("0.0.0.0/0")
                .orElseThrow()
                .contains(Ipv4Block.parse("255.255.255.255").orElseThrow()));
    }

    @Test
    void whatIsNoIpv4AddressOrBlockIsEmpty() {
        for (String bad :
                List.of("", "10.0.0", "256.0.0.1", "10.0.0.0/33", "::1", "10.0.0.1/", "a.b.c.d", " 10.0.0.1")) {
            assertTrue(Ipv4Block.parse(bad).isEmpty(), bad);
        }
        assertTrue(Ipv4Block.parse(null).isEmpty());
    }
}

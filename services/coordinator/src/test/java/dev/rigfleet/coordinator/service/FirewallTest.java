package dev.rigfleet.coordinator.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.rigfleet.coordinator.service.Firewall.Action;
import dev.rigfleet.coordinator.service.Firewall.Rule;
import java.util.List;
import org.junit.jupiter.api.Test;

class FirewallTest {

    @Test
    void theFirstRuleWhoseSourceMatchesDecides() {
        Firewall chain = new Firewall(List.of(
                new Rule("10.1.2.3", Action.REJECT),
                new Rule("10.1.0.0/16", Action.ACCEPT),
                new Rule("10.0.0.0/8", Action.DROP)));

        assertEquals(Action.REJECT, chain.decide("10.1.2.3"));
        assertEquals(Action.ACCEPT, chain.decide("10.1.200.7"));
        assertEquals(Action.DROP, chain.decide("10.9.0.1"));
    }

    @Test
    void whatNoRuleMatchesIsDroppedAndAnEmptyChainDropsEverything() {
        assertEquals(
                Action.DROP, new Firewall(List.of(new Rule("192.168.0.0/24", Action.ACCEPT))).decide("192.168.1.1"));
        assertEquals(Action.DROP, new Firewall(List.of()).decide("127.0.0.1"));
        assertEquals(Action.ACCEPT, Firewall.OPEN.decide("203.0.113.9"));
    }

    @Test
    void aSlashZeroMatchesEveryAddressAndASlash32OnlyItsOwn() {
        Firewall chain =
                new Firewall(List.of(new Rule("127.0.0.1/32", Action.ACCEPT), new Rule("0.0.0.0/0", Action.REJECT)));

        assertEquals(Action.ACCEPT, chain.decide("127.0.0.1"));
        assertEquals(Action.REJECT, chain.decide("127.0.0.2"));
        assertEquals(Action.REJECT, chain.decide("255.255.255.255"));
    }

    @Test
    void aSourceThatIsNoIpv4AddressOrBlockIsRefused() {
        for (String bad :
                List.of("", "10.0.0", "256.0.0.1", "10.0.0.0/33", "::1", "10.0.0.1/", "a.b.c.d", "10.0.0.1 ")) {
            assertThrows(IllegalArgumentException.class, () -> new Rule(bad, Action.ACCEPT), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> new Rule("10.0.0.1", null));
    }

    @Test
    void aConnectionFromAnAddressTheChainCannotReadIsDropped() {
        assertEquals(Action.DROP, Firewall.OPEN.decide("0:0:0:0:0:0:0:1"));
    }
}

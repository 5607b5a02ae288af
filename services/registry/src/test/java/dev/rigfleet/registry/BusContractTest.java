package dev.rigfleet.registry;

import dev.rigfleet.common.testing.BusContract;
import org.junit.jupiter.api.Test;

class BusContractTest {

    @Test
    void theRegistryNamesNoBusTopicOutsideCommonsTopics() {
        BusContract.check("dev.rigfleet.registry");
    }
}

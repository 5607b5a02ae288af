package dev.rigfleet.instances;

import dev.rigfleet.common.testing.BusContract;
import org.junit.jupiter.api.Test;

class BusContractTest {

    @Test
    void theInstancesNameNoBusTopicOutsideCommonsTopics() {
        BusContract.check("dev.rigfleet.instances");
    }
}

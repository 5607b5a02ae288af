package dev.rigfleet.coordinator;

import dev.rigfleet.common.testing.BusContract;
import org.junit.jupiter.api.Test;

class BusContractTest {

    @Test
    void theCoordinatorNamesNoBusTopicOutsideCommonsTopics() {
        BusContract.check("dev.rigfleet.coordinator");
    }
}

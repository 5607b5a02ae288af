package dev.rigfleet.workspaces;

import dev.rigfleet.common.testing.BusContract;
import org.junit.jupiter.api.Test;

class BusContractTest {

    @Test
    void theWorkspacesNameNoBusTopicOutsideCommonsTopics() {
        BusContract.check("dev.rigfleet.workspaces");
    }
}

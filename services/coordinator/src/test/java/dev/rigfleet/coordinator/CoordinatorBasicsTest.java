package dev.rigfleet.coordinator;

import dev.rigfleet.common.testing.ServiceBasicsContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(CoordinatorTestResource.class)
class CoordinatorBasicsTest implements ServiceBasicsContract {}

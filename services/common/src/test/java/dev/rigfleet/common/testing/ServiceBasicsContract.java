package dev.rigfleet.common.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;

/** What every rigfleet service serves from its first day; a service's test class implements it. */
public interface ServiceBasicsContract {

    @Test
    default void readyOnceRedisAndTheRevocationListAreThere() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.name", hasItems("token revocations", "Redis connection health check"));
    }

    @Test
    default void metricsIncludeTheBus() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("rigfleet_bus_sent_total"));
    }

    @Test
    default void openApiIsServed() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("openapi"));
    }
}

package dev.rigfleet.agent.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import dev.rigfleet.agent.supervisor.SupervisorKey;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PingResourceTest {

    @Inject
    SupervisorKey key;

    @Test
    void pingAnswersOkWithoutAKey() {
        given().get("/ping").then().statusCode(200).body(equalTo("OK"));
    }

    @Test
    void healthIsServed() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void listeningPortsIncludeThisApi() {
        given().auth()
                .oauth2(key.current())
                .get("/rigfleet/v1/listening-ports")
                .then()
                .statusCode(200)
                .body("ports.port", hasItem(RestAssured.port))
                .body("ports[0].network", equalTo("tcp"));
    }
}

package dev.rigfleet.agent.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
class PingResourceTest {

    @Test
    void pingAnswersOkWithoutAKey() {
        given().get("/ping").then().statusCode(200).body(equalTo("OK"));
    }

    @Test
    void healthIsServed() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }
}

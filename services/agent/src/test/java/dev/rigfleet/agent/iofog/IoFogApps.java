package dev.rigfleet.agent.iofog;

import static io.restassured.RestAssured.given;

import dev.rigfleet.agent.supervisor.SupervisorKey;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The two apps the ioFog tests run on the agent, and the ioFog messages they send. */
final class IoFogApps {

    private IoFogApps() {}

    /** Runs a sensor and a logger under the given uuids; the sensor's messages are routed to the logger. */
    static void setTarget(
            SupervisorKey supervisorKey, String sensorUuid, String loggerUuid, String sensorConfig, long releaseId) {
        String services = "[{\"uuid\":\"" + sensorUuid + "\",\"name\":\"sensor\",\"command\":[\"sleep\",\"600\"],"
                + "\"config\":" + sensorConfig + ",\"routes\":[\"logger\"]},"
                + "{\"uuid\":\"" + loggerUuid + "\",\"name\":\"logger\",\"command\":[\"sleep\",\"600\"]}]";
        given().queryParam("apikey", supervisorKey.current())
                .contentType(ContentType.JSON)
                .body("{\"appId\":3,\"fleet\":\"iot\",\"release\":{\"releaseId\":" + releaseId
                        + ",\"commit\":\"c\",\"services\":" + services + "}}")
                .post("/v2/local/target-state")
                .then()
                .statusCode(200);
    }

    /** An ioFog message in its JSON form, from {@code publisher}, with {@code content} as UTF-8 text. */
    static String message(String publisher, String content) {
        return "{\"id\":\"\",\"tag\":\"\",\"groupid\":\"\",\"sequencenumber\":0,\"sequencetotal\":0,\"priority\":0,"
                + "\"timestamp\":0,\"publisher\":\"" + publisher
                + "\",\"authid\":\"\",\"authgroup\":\"\",\"version\":4,"
                + "\"chainposition\":0,\"hash\":\"\",\"previoushash\":\"\",\"nonce\":\"\",\"difficultytarget\":0,"
                + "\"infotype\":\"text\",\"infoformat\":\"utf-8\",\"contextdata\":\"\",\"contentdata\":\""
                + Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)) + "\"}";
    }
}

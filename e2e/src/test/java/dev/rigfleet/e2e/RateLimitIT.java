package dev.rigfleet.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.response.Response;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Two registry replicas share one allowance per user through Redis. */
class RateLimitIT {

    private final Stack stack = Stack.get();

    @Test
    void replicasCountTogetherAndBothAnswer429WhenTheAllowanceIsSpent() {
        String token = Accounts.newUserToken(stack);
        List<ServiceProcess> replicas = List.of(stack.registryA, stack.registryB);

        long reset = -1;
        for (int i = 0; i < Stack.FLEETS_LIMIT; i++) {
            Response answer = fleets(replicas.get(i % 2), token);
            assertEquals(200, answer.statusCode());
            assertEquals(String.valueOf(Stack.FLEETS_LIMIT), answer.header("X-RateLimit-Limit"));
            long remaining = Long.parseLong(answer.header("X-RateLimit-Remaining"));
            long thisReset = Long.parseLong(answer.header("X-RateLimit-Reset"));
            if (reset != -1 && thisReset != reset) {
                // The fixed window turned over mid-test: the count starts again, so start the test again.
                replicasCountTogetherAndBothAnswer429WhenTheAllowanceIsSpent();
                return;
            }
            reset = thisReset;
            assertEquals(Stack.FLEETS_LIMIT - 1 - i, remaining, "M counts requests on both replicas");
        }

        for (ServiceProcess replica : replicas) {
            Response refused = fleets(replica, token);
            if (Long.parseLong(refused.header("X-RateLimit-Reset")) != reset) {
                replicasCountTogetherAndBothAnswer429WhenTheAllowanceIsSpent();
                return;
            }
            assertEquals(429, refused.statusCode());
            assertEquals("0", refused.header("X-RateLimit-Remaining"));
            assertEquals("rate_limited", refused.jsonPath().getString("error"));
            long retryAfter = Long.parseLong(refused.header("Retry-After"));
            assertTrue(retryAfter >= 1 && retryAfter <= reset - Instant.now().getEpochSecond() + 1);
        }
    }

    @Test
    void concurrentRequestsOnBothReplicasNeverOvershoot() throws Exception {
        String token = Accounts.newUserToken(stack);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Response>> burst = IntStream.range(0, 16)
                    .<Callable<Response>>mapToObj(
                            i -> () -> fleets(i % 2 == 0 ? stack.registryA : stack.registryB, token))
                    .toList();
            List<Response> answers =
                    pool.invokeAll(burst).stream().map(RateLimitIT::get).toList();

            long windows = answers.stream()
                    .map(a -> a.header("X-RateLimit-Reset"))
                    .distinct()
                    .count();
            long admitted = answers.stream().filter(a -> a.statusCode() == 200).count();
            answers.forEach(a -> assertNotNull(a.header("X-RateLimit-Remaining")));
            // Within one window exactly the limit gets through; a window boundary mid-burst allows a second helping.
            assertTrue(
                    admitted == Stack.FLEETS_LIMIT || (windows > 1 && admitted <= 2L * Stack.FLEETS_LIMIT),
                    "admitted " + admitted + " in " + windows + " window(s)");
        } finally {
            pool.shutdownNow();
        }
    }

    private static Response fleets(ServiceProcess replica, String token) {
        return given().auth().oauth2(token).get(replica.url() + "/fleets");
    }

    private static Response get(Future<Response> answer) {
        try {
            return answer.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

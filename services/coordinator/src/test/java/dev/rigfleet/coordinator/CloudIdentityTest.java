package dev.rigfleet.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.rigfleet.common.bus.Bus;
import dev.rigfleet.common.bus.Topics;
import dev.rigfleet.proto.agent.ServerFrame;
import dev.rigfleet.proto.bus.DeviceDeprovisioned;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;

/** The three cloud identity routes, with keys and CAs made for the test; forgeries of each kind are refused. */
@QuarkusTest
@WithTestResource(CoordinatorTestResource.class)
class CloudIdentityTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Vertx vertx;

    @Inject
    Bus bus;

    /** A device the registry stand-in has on this cloud instance; answers its uuid. */
    private static String deviceOn(String provider, String instance) {
        String uuid = UUID.randomUUID().toString().replace("-", "");
        RegistryStub.onInstance(
                provider + "/" + instance,
                new RegistryStub.Device(uuid, 11, 5, UUID.randomUUID().toString()));
        return uuid;
    }

    private static String awsDocument(String instance) {
        return "{\"instanceId\":\"" + instance + "\",\"region\":\"eu-west-1\",\"accountId\":\"123456789012\"}";
    }

    private static String rsaSign(PrivateKey key, String document) throws Exception {
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(document.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(rsa.sign());
    }

    private static String pkcs7(PrivateKey key, X509Certificate certificate, String content) throws Exception {
        CMSSignedDataGenerator generator = new CMSSignedDataGenerator();
        generator.addSignerInfoGenerator(
                new JcaSignerInfoGeneratorBuilder(new JcaDigestCalculatorProviderBuilder().build())
                        .build(new JcaContentSignerBuilder("SHA256withRSA").build(key), certificate));
        generator.addCertificates(new JcaCertStore(List.of(certificate)));
        byte[] envelope = generator
                .generate(new CMSProcessableByteArray(content.getBytes(StandardCharsets.UTF_8)), true)
                .getEncoded();
        return Base64.getEncoder().encodeToString(envelope);
    }

    private static String googleToken(PrivateKey key, String instance, String audience, Instant expiresAt) {
        return Jwt.issuer("https://accounts.google.com")
                .audience(audience)
                .claim("google", Map.of("compute_engine", Map.of("instance_id", instance, "project_id", "rigs")))
                .issuedAt(expiresAt.minusSeconds(3600))
                .expiresAt(expiresAt)
                .sign(key);
    }

    /** The session token a genuinely signed AWS document gets. */
    private static String awsSessionToken(String document) throws Exception {
        return post(
                        "aws",
                        Map.of("document", document, "signature", rsaSign(CloudTestKeys.privateKey("aws"), document)))
                .statusCode(200)
                .body("session_token", notNullValue())
                .extract()
                .path("session_token");
    }

    private static io.restassured.response.ValidatableResponse post(String route, Map<String, String> body) {
        return given().contentType(ContentType.JSON)
                .body(body)
                .post("/api/v2/workspaceagents/" + route + "-instance-identity")
                .then();
    }

    @Test
    void aVerifiedAwsIdentityGetsASessionTokenThatOpensTheLink() throws Exception {
        String instance = "i-" + UUID.randomUUID().toString().substring(0, 8);
        String uuid = deviceOn("aws", instance);
        String document = awsDocument(instance);

        String token = awsSessionToken(document);

        try (TestAgent agent = TestAgent.connect(vertx, base, "Authorization", "Bearer " + token)) {
            agent.hello(uuid);
            ServerFrame welcome = agent.next(WAIT);
            assertEquals(ServerFrame.BodyCase.WELCOME, welcome.getBodyCase());
        }
        // As Coder's agent presents it.
        try (TestAgent agent = TestAgent.connect(vertx, base, "Coder-Session-Token", token)) {
            agent.hello(uuid);
            assertEquals(ServerFrame.BodyCase.WELCOME, agent.next(WAIT).getBodyCase());
        }
    }

    @Test
    void forgedTamperedAndUnknownAwsIdentitiesAreRefused() throws Exception {
        String instance = "i-" + UUID.randomUUID().toString().substring(0, 8);
        deviceOn("aws", instance);
        String document = awsDocument(instance);
        String genuine = rsaSign(CloudTestKeys.privateKey("aws"), document);

        post(
                        "aws",
                        Map.of(
                                "document",
                                document,
                                "signature",
                                rsaSign(CloudTestKeys.stranger().key(), document)))
                .statusCode(401)
                .body("error_message", equalTo("the instance identity document's signature does not verify"));
        post("aws", Map.of("document", document.replace(instance, "i-other"), "signature", genuine))
                .statusCode(401);
        String unknown = awsDocument("i-nobody");
        post("aws", Map.of("document", unknown, "signature", rsaSign(CloudTestKeys.privateKey("aws"), unknown)))
                .statusCode(404)
                .body("error_message", equalTo("no enrolled device runs on aws instance i-nobody"));
        post("aws", Map.of("document", document)).statusCode(400);
        post("aws", Map.of("document", document, "signature", "c2lnbmF0dXJl")).statusCode(401);
    }

    @Test
    void azureAttestedDataMustBeSignedByACertificateOfTheConfiguredCa() throws Exception {
        String vm = UUID.randomUUID().toString();
        deviceOn("azure", vm);
        String attested = "{\"vmId\":\"" + vm + "\",\"nonce\":\"20261123\"}";

        post(
                        "azure",
                        Map.of(
                                "encoding",
                                "pkcs7",
                                "signature",
                                pkcs7(
                                        CloudTestKeys.privateKey("azure-signer"),
                                        CloudTestKeys.certificate("azure-signer"),
                                        attested)))
                .statusCode(200)
                .body("session_token", notNullValue());

        CloudTestKeys.KeyAndCertificate stranger = CloudTestKeys.stranger();
        post("azure", Map.of("encoding", "pkcs7", "signature", pkcs7(stranger.key(), stranger.certificate(), attested)))
                .statusCode(401)
                .body("error_message", equalTo("the attested data's signer is not issued by a configured Azure CA"));
        byte[] envelope = Base64.getDecoder()
                .decode(pkcs7(
                        CloudTestKeys.privateKey("azure-signer"), CloudTestKeys.certificate("azure-signer"), attested));
        envelope[envelope.length / 3] ^= 0x5a;
        post(
                        "azure",
                        Map.of(
                                "encoding",
                                "pkcs7",
                                "signature",
                                Base64.getEncoder().encodeToString(envelope)))
                .statusCode(401);
    }

    @Test
    void googleTokensMustVerifyBeUnexpiredAndBeForUs() {
        String instance = String.valueOf(System.nanoTime());
        deviceOn("google", instance);
        PrivateKey google = CloudTestKeys.privateKey("google");
        Instant later = Instant.now().plusSeconds(600);

        post("google", Map.of("json_web_token", googleToken(google, instance, "rigfleet", later)))
                .statusCode(200)
                .body("session_token", notNullValue());

        post(
                        "google",
                        Map.of(
                                "json_web_token",
                                googleToken(
                                        google,
                                        instance,
                                        "rigfleet",
                                        Instant.now().minusSeconds(600))))
                .statusCode(401)
                .body("error_message", equalTo("the identity token has expired"));
        post("google", Map.of("json_web_token", googleToken(google, instance, "someone-else", later)))
                .statusCode(401);
        post(
                        "google",
                        Map.of(
                                "json_web_token",
                                googleToken(CloudTestKeys.stranger().key(), instance, "rigfleet", later)))
                .statusCode(401)
                .body("error_message", containsString("does not verify"));
        post("google", Map.of("json_web_token", googleToken(google, "999", "rigfleet", later)))
                .statusCode(404);
        String notGoogle = Jwt.issuer("https://accounts.example.org")
                .audience("rigfleet")
                .claim("google", Map.of("compute_engine", Map.of("instance_id", instance)))
                .expiresAt(later)
                .sign(google);
        post("google", Map.of("json_web_token", notGoogle))
                .statusCode(401)
                .body("error_message", equalTo("the identity token is not issued by Google"));
    }

    @Test
    void aSessionTokenOfADeviceDeprovisionedSinceNoLongerOpensTheLink() throws Exception {
        String instance = "i-" + UUID.randomUUID().toString().substring(0, 8);
        String uuid = deviceOn("aws", instance);
        String document = awsDocument(instance);
        String token = awsSessionToken(document);

        bus.publish(
                        Topics.DEVICE_DEPROVISIONED,
                        DeviceDeprovisioned.newBuilder().setUuid(uuid).build())
                .await()
                .atMost(WAIT);

        org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            var failure = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class,
                    () -> TestAgent.connect(vertx, base, "Authorization", "Bearer " + token)
                            .close());
            assertEquals(401, ((io.vertx.core.http.UpgradeRejectedException) failure.getCause()).getStatus());
        });
    }

    @Test
    void malformedAndOversizedIdentityRequestsAreRefusedWithJson() {
        for (String route : List.of("aws", "azure", "google")) {
            given().contentType(ContentType.JSON)
                    .body("{\"document\": ")
                    .post("/api/v2/workspaceagents/" + route + "-instance-identity")
                    .then()
                    .statusCode(400)
                    .body("error", equalTo("invalid_json"));
        }
        given().contentType(ContentType.JSON)
                .body("{\"json_web_token\": \"" + "x".repeat(2 * 1024 * 1024) + "\"}")
                .post("/api/v2/workspaceagents/google-instance-identity")
                .then()
                .statusCode(413)
                .body("error", equalTo("request_entity_too_large"));
    }
}

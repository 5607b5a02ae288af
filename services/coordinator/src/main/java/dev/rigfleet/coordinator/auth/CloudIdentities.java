package dev.rigfleet.coordinator.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rigfleet.common.error.ApiException;
import dev.rigfleet.coordinator.client.RegistryClient;
import dev.rigfleet.coordinator.client.RegistryClient.DeviceIdentity;
import dev.rigfleet.coordinator.config.CloudIdentityConfig;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.WebApplicationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;

/**
 * Turns a cloud instance identity, signed by the cloud, into a short-lived session token of audience {@value
 * #AUDIENCE} for the device enrolled on that instance: AWS's signed document, Azure's PKCS#7 attested data, Google's
 * identity token. A signature that does not verify, a signer outside the configured certificates and an expired
 * token are refused with 401; an instance no enrolled device runs on with 404.
 */
@ApplicationScoped
public class CloudIdentities {

    public static final String AUDIENCE = "device";
    public static final String DEVICE_ID_CLAIM = "device_id";
    public static final String APP_ID_CLAIM = "app_id";
    public static final String OWNER_CLAIM = "owner";
    /** Google writes both forms into {@code iss}. */
    private static final String[] GOOGLE_ISSUERS = {"https://accounts.google.com", "accounts.google.com"};

    private final RegistryClient registry;
    private final CloudIdentityConfig config;
    private final ObjectMapper json;
    private final String issuer;
    private final List<X509Certificate> aws;
    private final Set<TrustAnchor> azure;
    private final List<X509Certificate> google;

    public CloudIdentities(
            RegistryClient registry,
            CloudIdentityConfig config,
            ObjectMapper json,
            @ConfigProperty(name = "mp.jwt.verify.issuer") String issuer)
            throws IOException, GeneralSecurityException {
        this.registry = registry;
        this.config = config;
        this.json = json;
        this.issuer = issuer;
        this.aws = certificates(config.awsCertificates().orElse(List.of()));
        this.google = certificates(config.googleCertificates().orElse(List.of()));
        this.azure = new HashSet<>();
        certificates(config.azureCaCertificates().orElse(List.of()))
                .forEach(ca -> azure.add(new TrustAnchor(ca, null)));
    }

    /** AWS: {@code signature} is base64 RSA PKCS#1 v1.5 over SHA-256 of {@code document}. */
    public Uni<String> aws(String document, String signature) {
        byte[] signed = decode(signature);
        boolean verified = aws.stream().anyMatch(certificate -> verifies(certificate, document, signed));
        if (!verified) {
            throw ApiException.unauthorized("the instance identity document's signature does not verify");
        }
        return session("aws", field(read(document.getBytes(StandardCharsets.UTF_8)), "instanceId"));
    }

    /** Azure: {@code signature} is base64 PKCS#7 signed data holding the attested JSON; its signer must chain to a CA. */
    public Uni<String> azure(String signature) {
        byte[] content;
        try {
            CMSSignedData envelope = new CMSSignedData(decode(signature));
            SignerInformation signer =
                    envelope.getSignerInfos().getSigners().iterator().next();
            @SuppressWarnings("unchecked")
            Collection<X509CertificateHolder> matches =
                    envelope.getCertificates().getMatches(signer.getSID());
            if (matches.isEmpty()) {
                throw ApiException.unauthorized("the attested data carries no signer certificate");
            }
            X509Certificate signerCertificate = new JcaX509CertificateConverter()
                    .getCertificate(matches.iterator().next());
            if (!signer.verify(new JcaSimpleSignerInfoVerifierBuilder().build(signerCertificate))) {
                throw ApiException.unauthorized("the attested data's signature does not verify");
            }
            chainsToAzure(signerCertificate);
            content = (byte[]) envelope.getSignedContent().getContent();
        } catch (ApiException e) {
            throw e;
        } catch (Exception e) {
            throw ApiException.unauthorized("the attested data is not a valid signed PKCS#7 envelope");
        }
        return session("azure", field(read(content), "vmId"));
    }

    /** Google: an RS256 identity token, unexpired, signed by a configured key. */
    public Uni<String> google(String token) {
        for (X509Certificate certificate : google) {
            JwtConsumerBuilder consumer = new JwtConsumerBuilder()
                    .setJwsAlgorithmConstraints(
                            AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                    .setExpectedIssuers(true, GOOGLE_ISSUERS)
                    .setRequireExpirationTime()
                    .setAllowedClockSkewInSeconds(30)
                    .setVerificationKey(certificate.getPublicKey());
            config.googleAudience()
                    .ifPresentOrElse(consumer::setExpectedAudience, consumer::setSkipDefaultAudienceValidation);
            try {
                JwtClaims claims = consumer.build().processToClaims(token);
                Object instance = claims.getClaimValue("google") instanceof Map<?, ?> google
                                && google.get("compute_engine") instanceof Map<?, ?> engine
                        ? engine.get("instance_id")
                        : null;
                if (instance == null) {
                    throw ApiException.badRequest("the token names no google.compute_engine.instance_id");
                }
                return session("google", instance.toString());
            } catch (InvalidJwtException e) {
                if (e.hasExpired()) {
                    throw ApiException.unauthorized("the identity token has expired");
                }
                if (e.hasErrorCode(ErrorCodes.ISSUER_INVALID)) {
                    throw ApiException.unauthorized("the identity token is not issued by Google");
                }
            }
        }
        throw ApiException.unauthorized("the identity token does not verify");
    }

    private Uni<String> session(String provider, String instanceId) {
        return registry.identifyInstance(provider, instanceId)
                .onFailure(e -> e instanceof WebApplicationException refused
                        && refused.getResponse().getStatus() == 404)
                .transform(e ->
                        ApiException.notFound("no enrolled device runs on " + provider + " instance " + instanceId))
                .map(this::sign);
    }

    private String sign(DeviceIdentity device) {
        return Jwt.issuer(issuer)
                .subject(device.uuid())
                .audience(AUDIENCE)
                .groups(DeviceIdentityProvider.DEVICE_ROLE)
                .claim(DEVICE_ID_CLAIM, device.deviceId())
                .claim(APP_ID_CLAIM, device.appId())
                .claim(OWNER_CLAIM, device.owner().toString())
                .expiresIn(config.sessionTokenTtl())
                .sign();
    }

    private void chainsToAzure(X509Certificate signer) throws GeneralSecurityException {
        if (azure.isEmpty()) {
            throw ApiException.unauthorized("no Azure certificate authority is configured");
        }
        PKIXParameters parameters = new PKIXParameters(azure);
        parameters.setRevocationEnabled(false);
        try {
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(List.of(signer)), parameters);
        } catch (GeneralSecurityException e) {
            throw ApiException.unauthorized("the attested data's signer is not issued by a configured Azure CA");
        }
    }

    private static boolean verifies(X509Certificate certificate, String document, byte[] signed) {
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(certificate.getPublicKey());
            rsa.update(document.getBytes(StandardCharsets.UTF_8));
            return rsa.verify(signed);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private JsonNode read(byte[] document) {
        try {
            return json.readTree(document);
        } catch (IOException e) {
            throw ApiException.badRequest("the signed document is not JSON");
        }
    }

    private static String field(JsonNode document, String name) {
        String value = document.path(name).asText("");
        if (value.isEmpty()) {
            throw ApiException.badRequest("the signed document names no " + name);
        }
        return value;
    }

    private static byte[] decode(String base64) {
        try {
            return Base64.getMimeDecoder().decode(base64 == null ? "" : base64);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("the signature is not base64");
        }
    }

    private static List<X509Certificate> certificates(List<Path> files) throws IOException, GeneralSecurityException {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> certificates = new ArrayList<>();
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                factory.generateCertificates(in)
                        .forEach(certificate -> certificates.add((X509Certificate) certificate));
            }
        }
        return certificates;
    }
}

package dev.rigfleet.coordinator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The clouds' keys for these tests: an AWS signing certificate, an Azure CA with a signing certificate it issued,
 * and a Google signing certificate, made once per JVM and kept as PEM files (the test resource and the tests live in
 * different class loaders, so they meet through the files).
 */
final class CloudTestKeys {

    private static final String DIRECTORY_PROPERTY = "rigfleet.test.cloud-keys";

    private CloudTestKeys() {}

    static Path file(String name) {
        return directory().resolve(name);
    }

    static PrivateKey privateKey(String name) {
        try {
            String pem = Files.readString(file(name + ".key"));
            byte[] der = Base64.getMimeDecoder()
                    .decode(pem.replaceAll("-----[A-Z ]+-----", "").trim());
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static X509Certificate certificate(String name) {
        try (var in = Files.newInputStream(file(name + ".pem"))) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key and self-signed certificate nobody configured, for forgeries. */
    static KeyAndCertificate stranger() {
        KeyPair pair = rsa();
        return new KeyAndCertificate(
                pair.getPrivate(), issue("CN=stranger", pair, "CN=stranger", pair.getPrivate(), true));
    }

    record KeyAndCertificate(PrivateKey key, X509Certificate certificate) {}

    private static synchronized Path directory() {
        String existing = System.getProperty(DIRECTORY_PROPERTY);
        if (existing != null) {
            return Path.of(existing);
        }
        try {
            Path directory = Files.createTempDirectory("rigfleet-cloud-keys");
            KeyPair aws = rsa();
            write(directory, "aws", aws.getPrivate(), issue("CN=aws", aws, "CN=aws", aws.getPrivate(), false));
            KeyPair google = rsa();
            write(
                    directory,
                    "google",
                    google.getPrivate(),
                    issue("CN=google", google, "CN=google", google.getPrivate(), false));
            KeyPair azureCa = rsa();
            write(
                    directory,
                    "azure-ca",
                    azureCa.getPrivate(),
                    issue("CN=azure-ca", azureCa, "CN=azure-ca", azureCa.getPrivate(), true));
            KeyPair azureSigner = rsa();
            write(
                    directory,
                    "azure-signer",
                    azureSigner.getPrivate(),
                    issue("CN=metadata.azure.example", azureSigner, "CN=azure-ca", azureCa.getPrivate(), false));
            System.setProperty(DIRECTORY_PROPERTY, directory.toString());
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static X509Certificate issue(
            String subject, KeyPair subjectKeys, String issuer, PrivateKey issuerKey, boolean ca) {
        try {
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(
                    new X500Name(issuer),
                    BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(1, ChronoUnit.DAYS)),
                    Date.from(now.plus(30, ChronoUnit.DAYS)),
                    new X500Name(subject),
                    subjectKeys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            return new JcaX509CertificateConverter()
                    .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKey)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path directory, String name, PrivateKey key, X509Certificate certificate)
            throws IOException {
        Files.writeString(directory.resolve(name + ".key"), pem(key));
        Files.writeString(directory.resolve(name + ".pem"), pem(certificate));
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(
                    object instanceof PrivateKey key
                            ? new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded())
                            : object);
        }
        return out.toString();
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}

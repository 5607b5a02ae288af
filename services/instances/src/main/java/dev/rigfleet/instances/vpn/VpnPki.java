package dev.rigfleet.instances.vpn;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemGenerationException;

/**
 * One instance's VPN certificate authority: EC P-256 keys throughout (so the server needs no DH parameters), a
 * server certificate and one client certificate per client, each with the key usages that OpenVPN's {@code
 * remote-cert-tls server|client} check, and the CRL of revoked clients. Keys and certificates travel as PEM.
 */
public final class VpnPki {

    /** A certificate and its private key, PEM. */
    public record Issued(String certificate, String privateKey, BigInteger serial) {}

    /** A revoked certificate's serial and when it was revoked. */
    public record Revoked(BigInteger serial, Instant at) {}

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509CertificateHolder caCertificate;
    private final PrivateKey caKey;
    private final String caPem;
    private final String caKeyPem;

    private VpnPki(X509CertificateHolder caCertificate, PrivateKey caKey, String caPem, String caKeyPem) {
        this.caCertificate = caCertificate;
        this.caKey = caKey;
        this.caPem = caPem;
        this.caKeyPem = caKeyPem;
    }

    /** A new authority for one instance, valid for {@code validity} (longer than the instance can live). */
    public static VpnPki create(String instanceId, Duration validity) {
        KeyPair keys = keyPair();
        X500Name name = new X500Name("CN=rigfleet VPN CA " + instanceId);
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    name,
                    serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(validity)),
                    name,
                    keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(
                    Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(keys.getPublic()));
            X509CertificateHolder certificate = builder.build(signer(keys.getPrivate()));
            return new VpnPki(certificate, keys.getPrivate(), pem(certificate), pem(keys.getPrivate()));
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make a VPN certificate authority", e);
        }
    }

    /** The authority again, from its certificate and key as {@link #caCertificate()} and {@link #caKey()} gave them. */
    public static VpnPki load(String caCertificatePem, String caKeyPem) {
        try (PEMParser certificate = new PEMParser(new StringReader(caCertificatePem));
                PEMParser key = new PEMParser(new StringReader(caKeyPem))) {
            X509CertificateHolder holder = (X509CertificateHolder) certificate.readObject();
            PrivateKey privateKey = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) key.readObject());
            return new VpnPki(holder, privateKey, caCertificatePem, caKeyPem);
        } catch (IOException | ClassCastException e) {
            throw new IllegalStateException("the stored VPN certificate authority cannot be read", e);
        }
    }

    public String caCertificate() {
        return caPem;
    }

    /** The authority's private key, PEM: to be sealed before it is stored. */
    public String caKey() {
        return caKeyPem;
    }

    public Issued server(String name, Duration validity) {
        return issue(name, validity, KeyPurposeId.id_kp_serverAuth);
    }

    public Issued client(String name, Duration validity) {
        return issue(name, validity, KeyPurposeId.id_kp_clientAuth);
    }

    /** The CRL of these revocations, valid until {@code nextUpdate}: past it OpenVPN refuses every client. */
    public String crl(List<Revoked> revoked, long number, Instant nextUpdate) {
        Instant now = Instant.now();
        X509v2CRLBuilder builder = new X509v2CRLBuilder(caCertificate.getSubject(), Date.from(now));
        builder.setNextUpdate(Date.from(nextUpdate));
        revoked.forEach(
                entry -> builder.addCRLEntry(entry.serial(), Date.from(entry.at()), CRLReason.cessationOfOperation));
        try {
            builder.addExtension(
                    Extension.cRLNumber, false, new org.bouncycastle.asn1.x509.CRLNumber(BigInteger.valueOf(number)));
            X509CRLHolder crl = builder.build(signer(caKey));
            return pem(crl);
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot sign the VPN CRL", e);
        }
    }

    private Issued issue(String name, Duration validity, KeyPurposeId purpose) {
        KeyPair keys = keyPair();
        Instant now = Instant.now();
        BigInteger serial = serial();
        try {
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                    caCertificate.getSubject(),
                    serial,
                    Date.from(now.minus(Duration.ofMinutes(5))),
                    Date.from(now.plus(validity)),
                    new X500Name("CN=" + name),
                    keys.getPublic());
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            // What remote-cert-tls checks: digital signature (and key agreement, for ECDH) and the purpose.
            builder.addExtension(
                    Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(
                    Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(caCertificate));
            X509CertificateHolder certificate = builder.build(signer(caKey));
            return new Issued(pem(certificate), pem(keys.getPrivate()), serial);
        } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a VPN certificate", e);
        }
    }

    private static KeyPair keyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no EC P-256 key pairs in this JVM", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
        return new JcaContentSignerBuilder(SIGNATURE).build(key);
    }

    /** A private key as PKCS#8 ("PRIVATE KEY"), the form OpenSSL 3 reads without asking what it is. */
    private static String pem(PrivateKey key) {
        try {
            return pem(new JcaPKCS8Generator(key, null));
        } catch (PemGenerationException e) {
            throw new IllegalStateException("cannot write a VPN key", e);
        }
    }

    private static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}

package dev.s3backup.s3;

import dev.s3backup.core.BackupException;
import dev.s3backup.core.BackupException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Map;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * A PEM file of CA certificates that replaces the JDK's trust store for https endpoints, as
 * aws-cli's {@code --ca-bundle} / {@code AWS_CA_BUNDLE} does: only its CAs are trusted, and host
 * names are still verified. Errors name the file; their reasons follow the key file's (missing:
 * NOT_FOUND, unreadable: IO, not a bundle: INVALID_INPUT).
 *
 * @param fromEnvironment whether {@value #ENV} named the file, which messages then say
 */
record CaBundle(Path file, boolean fromEnvironment) {

    /** The aws-cli's variable, read when no bundle is configured. */
    static final String ENV = "AWS_CA_BUNDLE";

    /** The configured bundle, else {@value #ENV}'s, else null (the JDK's trust store). */
    static CaBundle resolve(Path configured, Map<String, String> env) {
        if (configured != null) {
            return new CaBundle(configured, false);
        }
        String value = env.get(ENV);
        return value == null || value.isBlank() ? null : new CaBundle(Path.of(value.trim()), true);
    }

    /**
     * Fails now, with the file's name, when the file cannot be opened; costs one stat, so that an
     * http:// command, which reads the bundle only if it ever makes an https connection, still
     * reports a wrong path.
     */
    void requireReadable() {
        if (!Files.exists(file)) {
            throw failure(Reason.NOT_FOUND, "no such file", null);
        }
        if (!Files.isRegularFile(file)) {
            throw failure(Reason.INVALID_INPUT, "not a file", null);
        }
        if (!Files.isReadable(file)) {
            throw failure(Reason.IO, "permission denied", null);
        }
    }

    /** Trust managers that trust the bundle's certificates and nothing else. */
    TrustManager[] trustManagers() {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(file)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (NoSuchFileException e) {
            throw failure(Reason.NOT_FOUND, "no such file", e);
        } catch (AccessDeniedException e) {
            throw failure(Reason.IO, "permission denied", e);
        } catch (IOException e) {
            throw failure(Reason.IO, String.valueOf(e.getMessage()), e);
        } catch (GeneralSecurityException e) {
            throw failure(Reason.INVALID_INPUT, "no PEM certificate in it (" + e.getMessage() + ")", e);
        }
        if (certificates.isEmpty()) {
            throw failure(Reason.INVALID_INPUT, "no PEM certificate in it (-----BEGIN CERTIFICATE-----)", null);
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (GeneralSecurityException | IOException e) {
            throw failure(Reason.INVALID_INPUT, "cannot trust its certificates (" + e.getMessage() + ")", e);
        }
    }

    private BackupException failure(Reason reason, String why, Throwable cause) {
        return new BackupException(reason, "Cannot read CA bundle " + this + ": " + why, cause);
    }

    @Override
    public String toString() {
        return fromEnvironment ? file + " (" + ENV + ")" : file.toString();
    }
}

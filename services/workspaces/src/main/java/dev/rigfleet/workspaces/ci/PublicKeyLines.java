package dev.rigfleet.workspaces.ci;

import java.security.PublicKey;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/** OpenSSH public key lines as CI compares them: {@code type base64}, without the comment. */
final class PublicKeyLines {

    private PublicKeyLines() {}

    static String of(PublicKey key) {
        return withoutComment(PublicKeyEntry.toString(key));
    }

    static String withoutComment(String line) {
        String[] fields = line.strip().split("\\s+");
        return fields.length < 2 ? line.strip() : fields[0] + " " + fields[1];
    }
}

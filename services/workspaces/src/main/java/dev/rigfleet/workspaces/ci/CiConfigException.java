package dev.rigfleet.workspaces.ci;

/** Why a repository's {@value #FILE} cannot be used; the message is shown to the user as is, and says where. */
public class CiConfigException extends Exception {

    static final String FILE = ".rigfleet.yml";

    private CiConfigException(String message) {
        // No stack trace: this is an answer about the user's file, not a bug report.
        super(message, null, false, false);
    }

    static CiConfigException inFile(String problem) {
        return new CiConfigException(FILE + ": " + problem);
    }

    static CiConfigException atLine(int line, String problem) {
        return new CiConfigException(FILE + ", line " + line + ": " + problem);
    }

    static CiConfigException atKey(int line, String key, String problem) {
        return new CiConfigException(FILE + ", line " + line + ", key \"" + key + "\": " + problem);
    }
}

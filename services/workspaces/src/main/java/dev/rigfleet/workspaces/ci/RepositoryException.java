package dev.rigfleet.workspaces.ci;

/** Why a job's repository could not be read; the message is shown to API users as it is. */
public final class RepositoryException extends Exception {

    public enum Kind {
        /** Nothing could be fetched: the server or the repository is missing, refused, or too slow. */
        UNREACHABLE,
        NO_SUCH_BRANCH,
        /** No branch reaches the commit, or its abbreviation names several. */
        NO_SUCH_COMMIT,
        /** The commit exists, on other branches only. */
        COMMIT_NOT_ON_BRANCH,
        /** The configuration file is larger than the platform reads. */
        TOO_LARGE,
        /** An ssh:// server offered another host key than the project's. */
        HOST_KEY_CHANGED,
        /** An ssh:// server would not let the key in. */
        KEY_REFUSED
    }

    private final Kind kind;

    public RepositoryException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** For the logs, JGit's own account of a failure; the message stays the one for users. */
    public RepositoryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}

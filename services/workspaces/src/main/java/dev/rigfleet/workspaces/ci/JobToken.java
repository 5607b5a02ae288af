package dev.rigfleet.workspaces.ci;

/** A token of a job's owner, made for the job and revoked when it ends: the bearer header and its SHA-256. */
record JobToken(String bearer, String sha256) {

    String authorization() {
        return "Bearer " + bearer;
    }

    @Override
    public String toString() {
        return "JobToken[" + sha256 + "]";
    }
}

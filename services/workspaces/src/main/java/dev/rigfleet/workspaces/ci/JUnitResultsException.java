package dev.rigfleet.workspaces.ci;

/** Why a job's JUnit XML file cannot be read; the message, shown to the user as is, names the file and the line. */
public class JUnitResultsException extends Exception {

    JUnitResultsException(String message) {
        // No stack trace: this is an answer about the user's file, not a bug report.
        super(message, null, false, false);
    }
}

package dev.rigfleet.common.bus;

/** Why a bus request got no answer. */
public class BusException extends RuntimeException {

    public enum Reason {
        /** Redis delivered the request to no subscriber: the addressed replica is gone. */
        NO_RESPONDER,
        /** The request was delivered but no reply came within its time-out. */
        TIMED_OUT,
        /** The responder answered with a failure. */
        REMOTE_FAILURE,
        /** Redis could not be reached to send the request. */
        UNREACHABLE
    }

    /** The failure code a replica's bus answers with when it serves no handler for the request's type. */
    public static final String NO_HANDLER = "no_handler";
    /** The failure code a replica's bus answers with when the handler failed in a way it did not name. */
    public static final String HANDLER_FAILED = "handler_failed";
    /** The failure code a replica's bus answers with when it cannot parse the request's payload. */
    public static final String MALFORMED = "malformed";

    private final Reason reason;
    private final String remoteCode;

    public BusException(Reason reason, String remoteCode, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.remoteCode = remoteCode;
    }

    public Reason reason() {
        return reason;
    }

    /** The responder's failure code, for {@link Reason#REMOTE_FAILURE}. */
    public String remoteCode() {
        return remoteCode;
    }
}

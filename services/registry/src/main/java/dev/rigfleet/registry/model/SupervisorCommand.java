package dev.rigfleet.registry.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One request through the supervisor proxy, as the audit keeps it. */
@Entity
@Table(name = "supervisor_commands")
public class SupervisorCommand {

    /** How a device's part of a proxied request ended. */
    public enum Outcome {
        /** The device answered; its status is the answer's. */
        @JsonProperty("answered")
        ANSWERED,
        /** The command reached no agent (the device went offline first); sending it again is safe. */
        @JsonProperty("offline")
        OFFLINE,
        /** The agent's connection closed before it answered: the command may have run. */
        @JsonProperty("dropped")
        DROPPED,
        /** No answer within the proxy's time-out: the command may still run. */
        @JsonProperty("timed_out")
        TIMED_OUT,
        /** A command of the same id was still waiting for the device's answer: this one was not sent. */
        @JsonProperty("duplicate")
        DUPLICATE,
        /** The coordinator that holds the device failed to handle the command: it may not have been sent. */
        @JsonProperty("handler_failed")
        HANDLER_FAILED,
        /** The replica that presence named does not handle device commands (not a coordinator): not sent. */
        @JsonProperty("no_handler")
        NO_HANDLER,
        /** The device link could not be reached (Redis): the command was not sent. */
        @JsonProperty("unreachable")
        UNREACHABLE;

        /** The name the audit stores and lists. */
        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public record DeviceOutcome(
            String uuid, @JsonProperty("statusCode") int statusCode, Outcome outcome) {}

    /** The JSON column holds an object: Hibernate Reactive maps JSON columns through Vert.x JSON objects. */
    public record Devices(List<DeviceOutcome> items) {}

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "request_id")
    public String requestId;

    @Column(name = "user_id")
    public UUID userId;

    @Column(name = "owner_id")
    public UUID ownerId;

    public String method;

    public String url;

    @JdbcTypeCode(SqlTypes.JSON)
    public Devices devices;

    @Column(name = "duration_ms")
    public long durationMs;

    @Column(name = "created_at")
    public Instant createdAt;
}

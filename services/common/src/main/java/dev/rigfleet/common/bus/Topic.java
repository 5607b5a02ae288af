package dev.rigfleet.common.bus;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;

/**
 * One kind of message on the bus: its type on the wire and the protobuf message it carries. Every topic rigfleet uses
 * is declared once, in {@link Topics}; the {@link Bus} takes topics, never channel or type names, and parses a
 * payload once before a handler sees it.
 */
public sealed interface Topic permits Topic.Event, Topic.Request, Topic.Tell {

    /** The envelope's {@code type}. */
    String type();

    /** Published to every subscriber of the event channel {@code <prefix>bus:event:<channel>}. */
    record Event<T extends MessageLite>(String channel, String type, Parser<T> parser) implements Topic {}

    /** Sent to one replica's inbox, which answers with a reply of its own message type. */
    record Request<Q extends MessageLite, R extends MessageLite>(String type, Parser<Q> parser, Parser<R> replyParser)
            implements Topic {}

    /** Told one-way to one replica's inbox, in the order the sender told them. */
    record Tell<T extends MessageLite>(String type, Parser<T> parser) implements Topic {}
}

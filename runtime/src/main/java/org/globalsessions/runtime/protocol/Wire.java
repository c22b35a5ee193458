package org.globalsessions.runtime.protocol;

/**
 * Marker for every message that crosses a process. It is the only type bound to a serializer
 * ({@code pekko.actor.serialization-bindings} in this module's {@code reference.conf}):
 * {@link WireSerializer}, which knows exactly the records nested in the protocol interfaces and
 * refuses any other message type by name. Messages are records of {@code long}, {@code int},
 * {@code boolean}, enums, strings, byte arrays, actor references and other messages.
 */
public interface Wire {
}

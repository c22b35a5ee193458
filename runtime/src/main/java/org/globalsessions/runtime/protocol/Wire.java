package org.globalsessions.runtime.protocol;

/**
 * Marker for every message that crosses a process. It is the only type bound to Jackson CBOR
 * ({@code pekko.actor.serialization-bindings} in this module's {@code reference.conf}), and
 * Pekko's Jackson serializer deserializes only subtypes of bound types: a message of any other
 * class is refused by the receiving node. Messages are records; byte arrays travel as CBOR
 * byte strings.
 */
public interface Wire {
}

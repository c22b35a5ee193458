package org.globalsessions.spring;

/**
 * Turns session attribute values into the bytes a session record stores, and back. The default
 * is {@link JdkSessionAttributeSerializer} (Java serialization, what Spring Security's
 * {@code SecurityContext} supports); declare a bean of this type to use another.
 *
 * <p>Implementations are thread-safe.
 */
public interface SessionAttributeSerializer {

    /**
     * The bytes of {@code value}, attribute {@code name} of a session.
     *
     * @throws IllegalArgumentException naming the attribute and its type, if it cannot be serialized
     */
    byte[] serialize(String name, Object value);

    /**
     * The value {@code bytes} hold, attribute {@code name} of a session.
     *
     * @throws IllegalStateException naming the attribute, if the bytes cannot be read (a class missing or changed)
     */
    Object deserialize(String name, byte[] bytes);
}

package org.globalsessions.spring;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectOutputStream;
import java.util.Objects;

import org.springframework.core.ConfigurableObjectInputStream;

/**
 * Session attributes as Java serialization writes them, read back with the application's class
 * loader: the serializer Spring Session's Redis and JDBC stores use by default, so anything that
 * works there (Spring Security's {@code SecurityContextImpl}, any {@code Serializable} value)
 * works here. An attribute that is not {@code Serializable} (or holds a field that is not) is
 * refused at save, naming the attribute, its type and the class that stopped it; nothing is
 * stored.
 *
 * <p>Java serialization runs code of the classes it reads: the session cache is trusted here as
 * a Redis holding sessions is (only nodes and applications with certificates of the cluster's CA
 * can write to it).
 *
 * <p>Thread-safe.
 */
public final class JdkSessionAttributeSerializer implements SessionAttributeSerializer {

    private final ClassLoader classLoader;

    /** @param classLoader loads the classes of the values read back (the application's) */
    public JdkSessionAttributeSerializer(ClassLoader classLoader) {
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
    }

    @Override
    public byte[] serialize(String name, Object value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (NotSerializableException e) {
            throw new IllegalArgumentException("session attribute '" + name + "' of type " + value.getClass().getName()
                    + " cannot be serialized: " + e.getMessage() + " is not java.io.Serializable", e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("session attribute '" + name + "' of type " + value.getClass().getName()
                    + " cannot be serialized: " + e, e);
        }
        return bytes.toByteArray();
    }

    @Override
    public Object deserialize(String name, byte[] bytes) {
        try (ConfigurableObjectInputStream in = new ConfigurableObjectInputStream(new ByteArrayInputStream(bytes), classLoader)) {
            return in.readObject();
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new IllegalStateException("session attribute '" + name + "' (" + bytes.length + " bytes) cannot be deserialized: " + e, e);
        }
    }
}

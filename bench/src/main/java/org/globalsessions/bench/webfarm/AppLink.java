package org.globalsessions.bench.webfarm;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * The load generator's connection to one app process ({@link Protocol}), used by one thread.
 * A socket timeout of {@value #TIMEOUT_SECONDS} s bounds every call: an app that stops answering
 * fails the run instead of hanging it.
 */
final class AppLink implements AutoCloseable {

    static final int TIMEOUT_SECONDS = 60;

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    /** The message of the last {@link Protocol#FAILED} answer. */
    private String lastFailure;

    AppLink(int port) {
        try {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) Duration.ofSeconds(TIMEOUT_SECONDS).toMillis());
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
            out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to the app process on 127.0.0.1:" + port, e);
        }
    }

    /** Sends a session op ({@link Protocol#LOGIN} … {@link Protocol#CHECK}) and returns the answer's status. */
    byte call(byte op, String sessionId) {
        try {
            out.writeByte(op);
            out.writeUTF(sessionId);
            out.flush();
            byte status = in.readByte();
            if (status == Protocol.FAILED) {
                lastFailure = in.readUTF();
            }
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException("app process on port " + socket.getPort() + ": " + e.getMessage(), e);
        }
    }

    /** Drops what the app recorded so far. */
    void reset() {
        control(Protocol.RESET);
    }

    /** What the app recorded since the last {@link #reset} or {@code stats}. */
    AppStats.Snapshot stats() {
        control(Protocol.STATS);
        try {
            return AppStats.Snapshot.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("app process on port " + socket.getPort() + ": " + e.getMessage(), e);
        }
    }

    String lastFailure() {
        return lastFailure;
    }

    private void control(byte op) {
        try {
            out.writeByte(op);
            out.flush();
            byte status = in.readByte();
            if (status != Protocol.OK) {
                throw new IOException("answered " + status + " to op " + op);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("app process on port " + socket.getPort() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}

package org.globalsessions.shm;

/** A table file cannot be used: it is foreign, of another layout, truncated, corrupt or locked too long. */
public class ShmLruException extends RuntimeException {

    public ShmLruException(String message) {
        super(message);
    }

    public ShmLruException(String message, Throwable cause) {
        super(message, cause);
    }
}

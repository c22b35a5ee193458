package org.globalsessions.shm;

/** A segment lock stayed held by a live process for longer than the lock timeout. */
public final class LockTimeoutException extends ShmLruException {

    private final long ownerPid;

    LockTimeoutException(String message, long ownerPid) {
        super(message);
        this.ownerPid = ownerPid;
    }

    public long ownerPid() {
        return ownerPid;
    }
}

package org.globalsessions.runtime.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Messages the sibling receives: requests its relay forwards ({@code Get} and {@code Touch}
 * from {@link RelayCommand}), writes and deletes to carry to the owners, and promotions of
 * values the relief tiers found.
 */
public interface SiblingCommand {

    /** Carry a write to its owner; the owner reports back to {@code relay} with {@link RelayCommand.Stored}. */
    record StoreAtOwner(RelayCommand.Put put, ActorRef<RelayCommand> relay, long token) implements SiblingCommand, Wire {
    }

    /** Tombstone {@code key} at its owners and tell {@code replyTo} ({@code OwnersDeleted}) when they have it. */
    record DeleteAtOwners(String key, long version, long deleteId, ActorRef<RelayCommand> replyTo)
            implements SiblingCommand, Wire {
    }

    /** A value a relief tier served; written into L2 unless L2 holds a newer version or a tombstone. */
    record Promote(String key, byte[] value, long version, long ttlMillis, long expiresAtMillis) implements SiblingCommand, Wire {
    }
}

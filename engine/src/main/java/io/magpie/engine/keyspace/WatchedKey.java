package io.magpie.engine.keyspace;

import io.magpie.engine.Client;

/**
 * One WATCHed key of one client (multi.c's watchedKey). The same object sits in the
 * client's list and in the db's key -> watchers index, so a modification reaches the
 * client and its flags directly.
 */
public final class WatchedKey {
    public final Client client;
    public final Database db;
    public final byte[] key;
    /**
     * The key was already logically expired when WATCH ran: its later deletion is no
     * change, and EXEC does not count it as expired.
     */
    public boolean expired;

    public WatchedKey(Client client, Database db, byte[] key, boolean expired) {
        this.client = client;
        this.db = db;
        this.key = key;
        this.expired = expired;
    }
}

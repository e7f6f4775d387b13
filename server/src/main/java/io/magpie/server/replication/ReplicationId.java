package io.magpie.server.replication;

/**
 * A node's place in a replication history: its replication id and offset (the stream bytes
 * produced or applied so far), and the id it had before (replid2), still good for a partial
 * resync up to secondOffset. Every change of them goes through here: a new history, a
 * shift when a replica becomes master or its master changed id, adopting a master's history
 * at a full sync or from an RDB, and the offset advancing with the stream.
 */
final class ReplicationId {
    static final String NULL_REPLID = "0000000000000000000000000000000000000000";

    private String replid = Replication.randomId();
    private String replid2 = NULL_REPLID;
    private long offset;
    private long secondOffset = -1;

    String replid() {
        return replid;
    }

    String replid2() {
        return replid2;
    }

    /** master_repl_offset. */
    long offset() {
        return offset;
    }

    /** second_repl_offset: the last offset + 1 up to which replid2 may be continued, or -1. */
    long secondOffset() {
        return secondOffset;
    }

    /** The stream grew by n bytes. */
    void advance(long n) {
        offset += n;
    }

    /** changeReplicationId: a new history from here. */
    void change() {
        replid = Replication.randomId();
    }

    /** clearReplicationId2: no previous history to continue. */
    void clearSecond() {
        replid2 = NULL_REPLID;
        secondOffset = -1;
    }

    /**
     * shiftReplicationId: the history goes on under newId; the old id stays valid up to the
     * current offset, so that the node's former siblings can still continue from it.
     */
    void shift(String newId) {
        replid2 = replid;
        secondOffset = offset + 1;
        replid = newId;
    }

    /** Takes on another node's history at an offset (a full sync, or an RDB's repl-id and repl-offset). */
    void adopt(String id, long at) {
        replid = id;
        offset = at;
    }

    /** Whether a replica that had id up to askedOffset - 1 is in our history (PSYNC's test, before the backlog's). */
    boolean continues(String askedId, long askedOffset) {
        return askedId.equals(replid) || (askedId.equals(replid2) && askedOffset <= secondOffset);
    }
}

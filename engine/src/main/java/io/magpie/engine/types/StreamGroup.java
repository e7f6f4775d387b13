package io.magpie.engine.types;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * A consumer group (streamCG): its last delivered ID, its read counter, its pending
 * entries list (PEL: IDs delivered and not yet acknowledged) and its consumers, each with
 * its own PEL that shares the NACKs of the group's.
 */
public final class StreamGroup {
    /** An entry delivered and not acknowledged (streamNACK). */
    public static final class Nack {
        public long deliveryTime;
        public long deliveryCount;
        public Consumer consumer;

        public Nack(Consumer consumer, long deliveryTime, long deliveryCount) {
            this.consumer = consumer;
            this.deliveryTime = deliveryTime;
            this.deliveryCount = deliveryCount;
        }
    }

    /** A consumer (streamConsumer); Redis 7.0 keeps only its seen-time. */
    public static final class Consumer {
        public final byte[] name;
        public long seenTime;
        public final PendingList pel = new PendingList();

        public Consumer(byte[] name, long seenTime) {
            this.name = name;
            this.seenTime = seenTime;
        }
    }

    public StreamID lastId;
    /** entries_read: how many entries the group has read, or -1 when unknown (SCG_INVALID_ENTRIES_READ). */
    public long entriesRead;
    public final PendingList pel = new PendingList();
    /** Consumers by name, in byte order as Redis's rax keeps them. */
    public final TreeMap<byte[], Consumer> consumers = new TreeMap<>(Arrays::compareUnsigned);

    public StreamGroup(StreamID lastId, long entriesRead) {
        this.lastId = lastId;
        this.entriesRead = entriesRead;
    }

    public Consumer consumer(byte[] name) {
        return consumers.get(name);
    }

    /** Creates the consumer; null if it exists (streamCreateConsumer). */
    public Consumer createConsumer(byte[] name, long now) {
        if (consumers.containsKey(name)) return null;
        Consumer c = new Consumer(name, now);
        consumers.put(name, c);
        return c;
    }

    /** Deletes the consumer and its pending entries from the group's PEL (streamDelConsumer). */
    public void deleteConsumer(Consumer c) {
        c.pel.forEach((id, nack) -> pel.remove(id));
        consumers.remove(c.name);
    }

    StreamGroup copy() {
        StreamGroup g = new StreamGroup(lastId, entriesRead);
        for (Consumer c : consumers.values()) {
            Consumer d = new Consumer(c.name, c.seenTime);
            g.consumers.put(d.name, d);
        }
        pel.forEach((id, n) -> {
            Consumer d = g.consumers.get(n.consumer.name);
            Nack m = new Nack(d, n.deliveryTime, n.deliveryCount);
            g.pel.put(id, m);
            d.pel.put(id, m);
        });
        return g;
    }

    /**
     * Approximate bytes: the group, its consumers, and each NACK (32) with its slot in two
     * PELs (24 bytes each in chunks between half and wholly full: 36 on average).
     */
    long memoryUsage() {
        long bytes = 96;
        for (Consumer c : consumers.values()) bytes += 96 + ((16 + c.name.length + 7) & ~7);
        return bytes + pel.size() * (32L + 2 * 36);
    }
}

package io.magpie.engine.types;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A hash (t_hash.c). Each field/value pair is a "kv" (a length header, the field, then the
 * value). Two forms, reported as Redis names them:
 * <ul>
 *   <li>"listpack": the kvs as the entries of one {@link Listpack} byte[] in insertion
 *       order, found by linear search (Redis's listpack keeps insertion order, and HGETALL
 *       shows it); the kvs handed out are copies.</li>
 *   <li>"hashtable": an open-addressing table (linear probing, tombstones) with the cached
 *       hash of each slot; about 8 bytes per slot against Redis's 24-byte dictEntry plus
 *       bucket pointer.</li>
 * </ul>
 * Conversion is one way, at the thresholds of hash-max-listpack-entries/-value, as in Redis.
 *
 * HSCAN walks the table by HOME bucket (hash &amp; mask) in Redis's reverse-binary cursor
 * order. Because an element with home bucket b sits in the probe run that starts at b and
 * tombstones keep runs unbroken, visiting a home bucket means scanning that run; and since
 * home buckets of a power-of-two table nest like Redis's dict buckets when the table
 * grows or shrinks, the guarantee of SCAN holds: a field present for the whole scan is
 * returned at least once.
 */
public final class HashValue implements RedisValue {
    private static final byte[] TOMBSTONE = new byte[0];
    private static final int MIN_TABLE = 8;

    private byte[] lp = Listpack.EMPTY; // the listpack form's kvs; null in hashtable form
    private byte[][] slots; // the hashtable form's kv per slot
    private int[] hashes;
    private int size;
    private int used; // live + tombstones (hashtable form)

    public HashValue() {}

    @Override public ValueType type() {
        return ValueType.HASH;
    }

    @Override public String encoding() {
        return lp != null ? "listpack" : "hashtable";
    }

    public boolean isListpack() {
        return lp != null;
    }

    public int size() {
        return size;
    }

    /* ---------------- kv layout ---------------- */

    /** Header is 1 byte for fields shorter than 128 bytes, else 0xFF plus 4 bytes. */
    public static int fieldOffset(byte[] kv) {
        return kv[0] >= 0 ? 1 : 5;
    }

    public static int fieldLength(byte[] kv) {
        return fieldLength(kv, 0);
    }

    /** The field length of the kv starting at b[p]. */
    private static int fieldLength(byte[] b, int p) {
        return b[p] >= 0 ? b[p] : ((b[p + 1] & 0xff) << 24) | ((b[p + 2] & 0xff) << 16) | ((b[p + 3] & 0xff) << 8) | (b[p + 4] & 0xff);
    }

    public static int valueOffset(byte[] kv) {
        return fieldOffset(kv) + fieldLength(kv);
    }

    public static int valueLength(byte[] kv) {
        return kv.length - valueOffset(kv);
    }

    public static byte[] field(byte[] kv) {
        int off = fieldOffset(kv);
        return Arrays.copyOfRange(kv, off, off + fieldLength(kv));
    }

    public static byte[] value(byte[] kv) {
        return Arrays.copyOfRange(kv, valueOffset(kv), kv.length);
    }

    static byte[] pack(byte[] field, byte[] value) {
        int h = field.length < 128 ? 1 : 5;
        byte[] kv = new byte[h + field.length + value.length];
        if (h == 1) {
            kv[0] = (byte) field.length;
        } else {
            kv[0] = (byte) 0xff;
            kv[1] = (byte) (field.length >>> 24);
            kv[2] = (byte) (field.length >>> 16);
            kv[3] = (byte) (field.length >>> 8);
            kv[4] = (byte) field.length;
        }
        System.arraycopy(field, 0, kv, h, field.length);
        System.arraycopy(value, 0, kv, h + field.length, value.length);
        return kv;
    }

    private static boolean fieldEquals(byte[] kv, byte[] field) {
        if (fieldLength(kv) != field.length) return false;
        int off = fieldOffset(kv);
        return Arrays.equals(kv, off, off + field.length, field, 0, field.length);
    }

    static int hash(byte[] b, int from, int to) {
        int h = 0x9747b28c;
        for (int i = from; i < to; i++) h = 31 * h + b[i];
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return h;
    }

    private static int hashOfKv(byte[] kv) {
        int off = fieldOffset(kv);
        return hash(kv, off, off + fieldLength(kv));
    }

    /* ---------------- lookups ---------------- */

    /** The kv holding field, or null. */
    public byte[] getKv(byte[] field) {
        if (lp != null) {
            int off = findPacked(field);
            return off < 0 ? null : Listpack.get(lp, off);
        }
        int i = findSlot(field, hash(field, 0, field.length));
        return i < 0 ? null : slots[i];
    }

    public byte[] get(byte[] field) {
        byte[] kv = getKv(field);
        return kv == null ? null : value(kv);
    }

    public boolean contains(byte[] field) {
        return getKv(field) != null;
    }

    /** The offset of field's entry in the listpack, or -1. */
    private int findPacked(byte[] field) {
        for (int off = 0; off < lp.length; off = Listpack.next(lp, off)) {
            int p = Listpack.payloadOffset(lp, off);
            int flen = fieldLength(lp, p);
            int f = p + (lp[p] >= 0 ? 1 : 5);
            if (flen == field.length && Arrays.equals(lp, f, f + flen, field, 0, flen)) return off;
        }
        return -1;
    }

    private int findSlot(byte[] field, int h) {
        int mask = slots.length - 1;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            byte[] kv = slots[i];
            if (kv == null) return -1;
            if (kv != TOMBSTONE && hashes[i] == h && fieldEquals(kv, field)) return i;
        }
    }

    /* ---------------- writes ---------------- */

    /**
     * Sets field to value; true if the field is new. As Redis's hashTypeSet, a field or
     * value longer than maxListpackValue converts to a hashtable first, and more than
     * maxListpackEntries fields after the insert converts too.
     */
    public boolean set(byte[] field, byte[] value, long maxListpackEntries, long maxListpackValue) {
        byte[] kv = pack(field, value);
        if (lp != null && (field.length > maxListpackValue || value.length > maxListpackValue)) convertToHashtable();
        if (lp != null) {
            int off = findPacked(field);
            if (off >= 0) {
                lp = Listpack.replace(lp, off, kv);
                return false;
            }
            lp = Listpack.insert(lp, lp.length, kv);
            size++;
            if (size > maxListpackEntries) convertToHashtable();
            return true;
        }
        int h = hash(field, 0, field.length);
        int i = findSlot(field, h);
        if (i >= 0) {
            slots[i] = kv;
            return false;
        }
        insertNew(kv, h);
        return true;
    }

    private void insertNew(byte[] kv, int h) {
        if ((used + 1) * 4L > slots.length * 3L) resize(tableSizeFor(size + 1));
        int mask = slots.length - 1;
        int i = h & mask;
        while (slots[i] != null && slots[i] != TOMBSTONE) i = (i + 1) & mask;
        if (slots[i] == null) used++;
        slots[i] = kv;
        hashes[i] = h;
        size++;
    }

    /** Removes field; true if it was there. */
    public boolean delete(byte[] field) {
        if (lp != null) {
            int off = findPacked(field);
            if (off < 0) return false;
            lp = Listpack.delete(lp, off, Listpack.next(lp, off));
            size--;
            return true;
        }
        int i = findSlot(field, hash(field, 0, field.length));
        if (i < 0) return false;
        slots[i] = TOMBSTONE;
        size--;
        // Like Redis's htNeedsResize after a delete: shrink below 10% fill.
        if (slots.length > MIN_TABLE && size * 10L < slots.length) resize(tableSizeFor(size));
        return true;
    }

    /** Smallest power of two table keeping n elements under 3/4 load. */
    private static int tableSizeFor(int n) {
        int cap = MIN_TABLE;
        while (cap * 3L <= n * 4L) cap <<= 1;
        return cap;
    }

    private void resize(int cap) {
        byte[][] oldSlots = slots;
        int[] oldHashes = hashes;
        slots = new byte[cap][];
        hashes = new int[cap];
        int mask = cap - 1;
        for (int j = 0; j < oldSlots.length; j++) {
            byte[] kv = oldSlots[j];
            if (kv == null || kv == TOMBSTONE) continue;
            int h = oldHashes[j];
            int i = h & mask;
            while (slots[i] != null) i = (i + 1) & mask;
            slots[i] = kv;
            hashes[i] = h;
        }
        used = size;
    }

    /** One-way conversion listpack -> hashtable (hashTypeConvert). */
    public void convertToHashtable() {
        if (lp == null) return;
        byte[] packed = lp;
        lp = null;
        slots = new byte[tableSizeFor(size)][];
        hashes = new int[slots.length];
        size = 0;
        used = 0;
        for (int off = 0; off < packed.length; off = Listpack.next(packed, off)) {
            byte[] kv = Listpack.get(packed, off);
            insertNew(kv, hashOfKv(kv));
        }
    }

    /* ---------------- iteration and sampling ---------------- */

    /** Visits every kv (insertion order for listpack, table order for hashtable). */
    public void forEach(java.util.function.Consumer<byte[]> visitor) {
        if (lp != null) {
            for (int off = 0; off < lp.length; off = Listpack.next(lp, off)) visitor.accept(Listpack.get(lp, off));
            return;
        }
        for (byte[] kv : slots) if (kv != null && kv != TOMBSTONE) visitor.accept(kv);
    }

    /** All kvs in iteration order. */
    public byte[][] toArray() {
        byte[][] out = new byte[size][];
        int[] n = {0};
        forEach(kv -> out[n[0]++] = kv);
        return out;
    }

    /** A uniformly random kv; the hash must not be empty. */
    public byte[] randomKv(RandomGenerator random) {
        if (lp != null) return Listpack.get(lp, Listpack.offsetOf(lp, size, random.nextInt(size)));
        // Load is kept above 10%, so rejection sampling ends quickly.
        while (true) {
            byte[] kv = slots[random.nextInt(slots.length)];
            if (kv != null && kv != TOMBSTONE) return kv;
        }
    }

    /**
     * One step of HSCAN over the hashtable form: visits every element whose home bucket is
     * cursor's, returns the next cursor (0 when done). See the class comment.
     */
    public long scan(long cursor, java.util.function.Consumer<byte[]> visitor) {
        int mask = slots.length - 1;
        int b = (int) (cursor & mask);
        for (int i = b; ; i = (i + 1) & mask) {
            byte[] kv = slots[i];
            if (kv == null) break;
            if (kv != TOMBSTONE && (hashes[i] & mask) == b) visitor.accept(kv);
            if (((i + 1) & mask) == b) break;
        }
        // Reverse-binary increment of the cursor's masked bits (Redis's dictScan).
        long v = cursor | ~(long) mask;
        v = Long.reverse(v);
        v++;
        v = Long.reverse(v);
        return v;
    }

    @Override public RedisValue duplicate() {
        HashValue h = new HashValue();
        h.lp = lp; // never written in place: changes make a new array
        h.slots = slots == null ? null : slots.clone(); // kv arrays are immutable once stored
        h.hashes = hashes == null ? null : hashes.clone();
        h.size = size;
        h.used = used;
        return h;
    }

    @Override public long memoryUsage() {
        if (lp != null) return 40 + 16 + ((lp.length + 7) & ~7);
        long bytes = 16 + 16 + 4L * slots.length + 16 + 4L * hashes.length;
        // O(1): sampled pair sizes scaled to the size (accounting re-measures often).
        long sampled = 0;
        int n = 0;
        for (int i = 0; i < slots.length && n < MemorySampling.SAMPLES && i < MemorySampling.MAX_PROBES; i++) {
            byte[] kv = slots[i];
            if (kv != null && kv != TOMBSTONE) {
                sampled += 16 + ((kv.length + 7) & ~7);
                n++;
            }
        }
        return bytes + MemorySampling.scale(sampled, n, size);
    }
}

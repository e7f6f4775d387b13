package io.magpie.commands.placement;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The key hash functions of twemproxy 0.5 (nutcracker's {@code hash:} setting), each giving the
 * same unsigned 32-bit value as nutcracker on x86-64, so that a key placed by nutcracker is
 * placed on the same server here. Where twemproxy reads a key byte through a signed
 * {@code char} (fnv1*, one_at_a_time, hsieh's last byte), a byte of 0x80 or more is
 * sign-extended before it is mixed in; that is reproduced, since it changes the hash of such
 * keys. The value is returned in an int; compare with {@link Integer#compareUnsigned}.
 */
public enum HashFunction {
    ONE_AT_A_TIME, MD5, CRC16, CRC32, CRC32A, FNV1_64, FNV1A_64, FNV1_32, FNV1A_32, HSIEH, MURMUR, JENKINS;

    private static final long FNV_64_INIT = 0xcbf29ce484222325L;
    private static final long FNV_64_PRIME = 0x100000001b3L;
    private static final int FNV_32_INIT = (int) 2166136261L;
    private static final int FNV_32_PRIME = 16777619;
    private static final int[] CRC16_TABLE = crc16Table();
    private static final int[] CRC32_TABLE = crc32Table();

    /** The function named as in twemproxy's configuration ("fnv1a_64"), case-insensitive; null if unknown. */
    public static HashFunction byName(String name) {
        for (HashFunction f : values()) if (f.name().equalsIgnoreCase(name)) return f;
        return null;
    }

    /** The twemproxy name: "fnv1a_64". */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public int hash(byte[] key) {
        return hash(key, 0, key.length);
    }

    /** The hash of key[off, off+len). */
    public int hash(byte[] key, int off, int len) {
        return switch (this) {
            case ONE_AT_A_TIME -> oneAtATime(key, off, len);
            case MD5 -> md5Word(md5(key, off, len), 0);
            case CRC16 -> crc16(key, off, len);
            case CRC32 -> (~crc32(key, off, len) >>> 16) & 0x7fff;
            case CRC32A -> ~crc32(key, off, len);
            case FNV1_64 -> fnv1_64(key, off, len);
            case FNV1A_64 -> fnv1a_64(key, off, len);
            case FNV1_32 -> fnv1_32(key, off, len);
            case FNV1A_32 -> fnv1a_32(key, off, len);
            case HSIEH -> hsieh(key, off, len);
            case MURMUR -> murmur(key, off, len);
            case JENKINS -> jenkins(key, off, len);
        };
    }

    /** The MD5 digest of key[off, off+len). */
    public static byte[] md5(byte[] key, int off, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(key, off, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The little-endian 32-bit word at word index i of a digest (ketama reads four per digest). */
    static int md5Word(byte[] d, int i) {
        int b = i * 4;
        return (d[b + 3] & 0xff) << 24 | (d[b + 2] & 0xff) << 16 | (d[b + 1] & 0xff) << 8 | (d[b] & 0xff);
    }

    private static int oneAtATime(byte[] k, int off, int len) {
        int v = 0;
        for (int i = off; i < off + len; i++) {
            v += k[i]; // signed char, as twemproxy reads it
            v += v << 10;
            v ^= v >>> 6;
        }
        v += v << 3;
        v ^= v >>> 11;
        v += v << 15;
        return v;
    }

    /** twemproxy's crc16 never masks its accumulator to 16 bits: the value grows past 0xffff. */
    private static int crc16(byte[] k, int off, int len) {
        int crc = 0;
        for (int i = off; i < off + len; i++) crc = (crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ k[i]) & 0xff];
        return crc;
    }

    /** The reflected CRC-32 register before the final inversion. */
    private static int crc32(byte[] k, int off, int len) {
        int crc = -1;
        for (int i = off; i < off + len; i++) crc = (crc >>> 8) ^ CRC32_TABLE[(crc ^ k[i]) & 0xff];
        return crc;
    }

    private static int fnv1_64(byte[] k, int off, int len) {
        long h = FNV_64_INIT;
        for (int i = off; i < off + len; i++) {
            h *= FNV_64_PRIME;
            h ^= k[i]; // sign-extended
        }
        return (int) h;
    }

    /** Despite its name, twemproxy's fnv1a_64 runs in 32 bits: the 64-bit constants truncated. */
    private static int fnv1a_64(byte[] k, int off, int len) {
        int h = (int) FNV_64_INIT;
        for (int i = off; i < off + len; i++) {
            h ^= k[i];
            h *= (int) FNV_64_PRIME;
        }
        return h;
    }

    private static int fnv1_32(byte[] k, int off, int len) {
        int h = FNV_32_INIT;
        for (int i = off; i < off + len; i++) {
            h *= FNV_32_PRIME;
            h ^= k[i];
        }
        return h;
    }

    private static int fnv1a_32(byte[] k, int off, int len) {
        int h = FNV_32_INIT;
        for (int i = off; i < off + len; i++) {
            h ^= k[i];
            h *= FNV_32_PRIME;
        }
        return h;
    }

    private static int get16(byte[] k, int i) {
        return (k[i + 1] & 0xff) << 8 | (k[i] & 0xff);
    }

    /** Paul Hsieh's SuperFastHash. */
    private static int hsieh(byte[] k, int off, int len) {
        if (len <= 0) return 0;
        int h = 0;
        int rem = len & 3;
        int i = off;
        for (int n = len >>> 2; n > 0; n--, i += 4) {
            h += get16(k, i);
            int tmp = (get16(k, i + 2) << 11) ^ h;
            h = (h << 16) ^ tmp;
            h += h >>> 11;
        }
        switch (rem) {
            case 3 -> {
                h += get16(k, i);
                h ^= h << 16;
                h ^= k[i + 2] << 18; // signed char
                h += h >>> 11;
            }
            case 2 -> {
                h += get16(k, i);
                h ^= h << 11;
                h += h >>> 17;
            }
            case 1 -> {
                h += k[i] & 0xff;
                h ^= h << 10;
                h += h >>> 1;
            }
            default -> { }
        }
        h ^= h << 3;
        h += h >>> 5;
        h ^= h << 4;
        h += h >>> 17;
        h ^= h << 25;
        h += h >>> 6;
        return h;
    }

    /** MurmurHash2 with twemproxy's seed, 0xdeadbeef times the length. */
    private static int murmur(byte[] k, int off, int len) {
        final int m = 0x5bd1e995;
        int h = (0xdeadbeef * len) ^ len;
        int i = off;
        int n = len;
        while (n >= 4) {
            int w = (k[i] & 0xff) | (k[i + 1] & 0xff) << 8 | (k[i + 2] & 0xff) << 16 | (k[i + 3] & 0xff) << 24;
            w *= m;
            w ^= w >>> 24;
            w *= m;
            h *= m;
            h ^= w;
            i += 4;
            n -= 4;
        }
        switch (n) {
            case 3:
                h ^= (k[i + 2] & 0xff) << 16;
            // fall through
            case 2:
                h ^= (k[i + 1] & 0xff) << 8;
            // fall through
            case 1:
                h ^= k[i] & 0xff;
                h *= m;
            // fall through
            default:
                break;
        }
        h ^= h >>> 13;
        h *= m;
        h ^= h >>> 15;
        return h;
    }

    /** Bob Jenkins' lookup3 hashlittle with twemproxy's initial value 13. */
    private static int jenkins(byte[] k, int off, int len) {
        int a, b, c;
        a = b = c = 0xdeadbeef + len + 13;
        int i = off;
        int n = len;
        while (n > 12) {
            a += le32(k, i, 4);
            b += le32(k, i + 4, 4);
            c += le32(k, i + 8, 4);
            // mix(a, b, c)
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            n -= 12;
            i += 12;
        }
        if (n == 0) return c; // zero-length tail: no final mixing
        a += le32(k, i, Math.min(n, 4));
        if (n > 4) b += le32(k, i + 4, Math.min(n - 4, 4));
        if (n > 8) c += le32(k, i + 8, n - 8);
        // final(a, b, c)
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    /** Up to four bytes at i, little-endian. */
    private static int le32(byte[] k, int i, int n) {
        int v = 0;
        for (int j = 0; j < n; j++) v |= (k[i + j] & 0xff) << (8 * j);
        return v;
    }

    private static int[] crc16Table() {
        int[] t = new int[256];
        for (int b = 0; b < 256; b++) {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            t[b] = crc & 0xffff;
        }
        return t;
    }

    private static int[] crc32Table() {
        int[] t = new int[256];
        for (int b = 0; b < 256; b++) {
            int crc = b;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
            t[b] = crc;
        }
        return t;
    }
}

package io.magpie.engine;

import io.magpie.engine.keyspace.Database;
import io.magpie.engine.keyspace.Dict;
import io.magpie.engine.types.HashValue;
import io.magpie.engine.types.ListValue;
import io.magpie.engine.types.SetValue;
import io.magpie.engine.types.ValueType;
import io.magpie.engine.types.Values;
import io.magpie.engine.types.ZSetValue;
import io.magpie.protocol.NumberFormat;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * DEBUG DIGEST and DIGEST-VALUE: Redis's SHA1 digest of the dataset, so that tools can
 * compare a Magpie node with a redis-server holding the same data. Unordered things (keys,
 * set members, hash fields, zset members) are combined by XOR of their SHA1s ("xor"); ordered
 * things (a key's parts, list elements) feed the digest back into itself ("mix":
 * digest = SHA1(digest XOR SHA1(data))). An element's or key's own digest is XORed in through
 * its SHA1, as everything xorDigest takes. Numbers enter as their decimal text, scores as %.17g.
 */
public final class DatasetDigest {
    private static final byte[] EXPIRE_MARK = "!!expire!!".getBytes(StandardCharsets.US_ASCII);

    private final MessageDigest sha1;

    public DatasetDigest() {
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** computeDatasetDigest: every db that has keys mixes in its id, then XORs in each key's digest. */
    public byte[] dataset(Engine engine) {
        byte[] result = new byte[20];
        for (int j = 0; j < engine.dbCount(); j++) {
            Database db = engine.db(j);
            if (db.dict().size() == 0) continue;
            mix(result, bigEndianInt(j));
            db.dict().forEach(e -> {
                byte[] digest = new byte[20];
                mix(digest, e.key());
                value(db, e, digest);
                xor(result, sha1(digest));
            });
        }
        return result;
    }

    /** DIGEST-VALUE of one key (without its name), zeros for a missing key; expired keys count too. */
    public byte[] value(Database db, byte[] key) {
        byte[] digest = new byte[20];
        Dict.Entry e = db.dict().find(key);
        if (e != null) value(db, e, digest);
        return digest;
    }

    /** xorObjectDigest: the type, the value's elements, and a mark when the key has a TTL. */
    private void value(Database db, Dict.Entry e, byte[] digest) {
        Object v = e.value();
        ValueType type = Values.type(v);
        mix(digest, bigEndianInt(redisTypeCode(type)));
        switch (type) {
            case STRING -> mix(digest, io.magpie.engine.commands.StringValues.bytes(v)); // RawString (INCRBYFLOAT, APPEND) too
            case LIST -> {
                ListValue l = (ListValue) v;
                for (int i = 0; i < l.size(); i++) mix(digest, l.get(i));
            }
            case SET -> ((SetValue) v).forEach(m -> xor(digest, sha1(m)));
            case ZSET -> {
                for (ZSetValue.Node n = ((ZSetValue) v).first(); n != null; n = n.next()) {
                    byte[] ele = new byte[20];
                    mix(ele, n.ele);
                    mix(ele, NumberFormat.formatG17(n.score()).getBytes(StandardCharsets.US_ASCII));
                    xor(digest, sha1(ele));
                }
            }
            case HASH -> ((HashValue) v).forEach(kv -> {
                byte[] ele = new byte[20];
                mix(ele, HashValue.field(kv));
                mix(ele, HashValue.value(kv));
                xor(digest, sha1(ele));
            });
            default -> { } // module types (Bloom) add only their type, as a module without a digest callback
        }
        if (db.expires().size() > 0 && db.getExpire(e.key()) != -1) xor(digest, sha1(EXPIRE_MARK));
    }

    /** OBJ_STRING 0, OBJ_LIST 1, OBJ_SET 2, OBJ_ZSET 3, OBJ_HASH 4, OBJ_MODULE 5, OBJ_STREAM 6. */
    private static int redisTypeCode(ValueType t) {
        return switch (t) {
            case STRING -> 0;
            case LIST -> 1;
            case SET -> 2;
            case ZSET -> 3;
            case HASH -> 4;
            case BLOOM -> 5;
            case STREAM -> 6;
        };
    }

    public static String hex(byte[] digest) {
        StringBuilder sb = new StringBuilder(40);
        for (byte b : digest) sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        return sb.toString();
    }

    private byte[] sha1(byte[] data) {
        return sha1.digest(data);
    }

    /** Redis's xorDigest(digest, data) is xor(digest, sha1(data)): digest ^= hash. */
    private static void xor(byte[] digest, byte[] hash) {
        for (int i = 0; i < 20; i++) digest[i] ^= hash[i];
    }

    /** mixDigest: digest = SHA1(digest ^ SHA1(data)). */
    private void mix(byte[] digest, byte[] data) {
        xor(digest, sha1(data));
        System.arraycopy(sha1(digest), 0, digest, 0, 20);
    }

    private static byte[] bigEndianInt(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}

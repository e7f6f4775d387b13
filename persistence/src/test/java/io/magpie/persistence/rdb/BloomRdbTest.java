package io.magpie.persistence.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import io.magpie.engine.keyspace.KeyspaceSnapshot;
import io.magpie.engine.types.ScalableBloomFilter;
import io.magpie.persistence.DumpPayload;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Bloom filters saved in RedisBloom's "MBbloom--" module encoding (RDB_TYPE_MODULE_2). */
class BloomRdbTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Engine engine() {
        Engine e = new Engine(new Config(), Clock.SYSTEM, 1);
        e.start();
        return e;
    }

    /** A filter that scaled to several sub-filters, plus what was added. */
    private static ScalableBloomFilter scaled(int items) {
        ScalableBloomFilter f = new ScalableBloomFilter(100, 0.01, 2, false);
        for (int i = 0; i < items; i++) f.add(b("item:" + i));
        return f;
    }

    private static ScalableBloomFilter roundTrip(ScalableBloomFilter f) throws Exception {
        byte[] payload = DumpPayload.create(f, true, -2);
        assertThat(DumpPayload.verify(payload, true)).isTrue();
        Object v = DumpPayload.load(payload, engine().config);
        assertThat(v).isInstanceOf(ScalableBloomFilter.class);
        return (ScalableBloomFilter) v;
    }

    private static void assertSameFilter(ScalableBloomFilter a, ScalableBloomFilter b) {
        assertThat(b.capacity()).isEqualTo(a.capacity());
        assertThat(b.sizeBytes()).isEqualTo(a.sizeBytes());
        assertThat(b.filterCount()).isEqualTo(a.filterCount());
        assertThat(b.items()).isEqualTo(a.items());
        assertThat(b.growth()).isEqualTo(a.growth());
        assertThat(b.nonScaling()).isEqualTo(a.nonScaling());
        for (int i = 0; i < a.filterCount(); i++) {
            assertThat(b.filter(i).words()).isEqualTo(a.filter(i).words());
            assertThat(b.filter(i).size()).isEqualTo(a.filter(i).size());
        }
    }

    @Test
    void moduleIdsPackNineSixBitCharactersAboveTheEncodingVersion() {
        assertThat(ModuleCodec.encodeId("AAAAAAAAA", 0)).isZero();
        assertThat(ModuleCodec.encodeId("AAAAAAAAB", 1)).isEqualTo((1L << 10) | 1);
        assertThat(ModuleCodec.encodeId("_AAAAAAAA", 0)).isEqualTo(63L << (8 * 6 + 10));
        long id = ModuleCodec.encodeId("MBbloom--", 4);
        assertThat(id & 1023).isEqualTo(4);
        assertThat(ModuleCodec.nameOf(id)).isEqualTo("MBbloom--");
        assertThat(ModuleCodec.nameOf(ModuleCodec.encodeId("tree-AntZ", 1023))).isEqualTo("tree-AntZ");
    }

    @Test
    void aScaledFilterRoundTripsThroughADumpPayloadAndKeepsGrowingTheSameWay() throws Exception {
        ScalableBloomFilter f = scaled(2000);
        assertThat(f.filterCount()).isGreaterThan(3);
        ScalableBloomFilter r = roundTrip(f);
        assertSameFilter(f, r);
        for (int i = 0; i < 2000; i++) assertThat(r.exists(b("item:" + i))).isTrue();
        // Further adds answer as the original would, sub-filter for sub-filter.
        for (int i = 2000; i < 6000; i++) assertThat(r.add(b("item:" + i))).as("add %d", i).isEqualTo(f.add(b("item:" + i)));
        assertSameFilter(f, r);
    }

    @Test
    void aFullNonScalingFilterStaysFullAfterARoundTrip() throws Exception {
        ScalableBloomFilter f = new ScalableBloomFilter(50, 0.001, 2, true);
        int added = 0;
        for (int i = 0; i < 100 && added >= 0; i++) if (f.add(b("x" + i)) == -2) added = -1;
        assertThat(added).isEqualTo(-1);
        ScalableBloomFilter r = roundTrip(f);
        assertSameFilter(f, r);
        assertThat(r.nonScaling()).isTrue();
        assertThat(r.add(b("never-added-before"))).isEqualTo(-2);
    }

    @Test
    void thePayloadIsRedisBlooms() throws Exception {
        ScalableBloomFilter f = new ScalableBloomFilter(100, 0.01, 2, false);
        f.add(b("a"));
        byte[] p = DumpPayload.create(f, false, -2);
        String hex = HexFormat.of().formatHex(p);
        String id = String.format("%016x", ModuleCodec.encodeId("MBbloom--", 4));
        // type 7, the id as a 64-bit RDB length, then UINT-tagged size 1, 1 filter,
        // options NOROUND|FORCE64 = 5, growth 2; the first link's capacity 100, then a DOUBLE tag.
        assertThat(hex).startsWith("07" + "81" + id + "0201" + "0201" + "0205" + "0202" + "0240" + "64" + "04");
        // The bit array is one STRING field of bits/8 bytes; the value ends with the module EOF opcode.
        ScalableBloomFilter.Link l = f.filter(0);
        int footer = p.length - 10;
        assertThat(p[footer - 1]).isEqualTo((byte) 0); // RDB_MODULE_OPCODE_EOF
        assertThat(hex.substring(0, footer * 2)).endsWith("0201" + "00"); // link size 1, EOF
        assertThat(l.bits() % 64).isZero();
    }

    @Test
    void aKeyspaceWithFiltersSavesAndLoadsThroughAnRdbFile() throws Exception {
        Engine e = engine();
        e.db(0).add(b("bf"), scaled(700));
        e.db(3).add(b("ns"), new ScalableBloomFilter(1000, 0.001, 2, true));
        e.db(0).add(b("str"), b("plain"));
        RdbWriter w = new RdbWriter(true);
        KeyspaceSnapshot.start(e, new RdbSaver(w, true, new RdbSaver.Aux("7.0.15", 1, 1, false, null, 0, 0))).finish();
        Engine loaded = engine();
        RdbLoader.Result res = new RdbLoader(loaded, true, true).load(new RdbReader(new ByteArrayInputStream(w.toByteArray())));
        assertThat(res.keysLoaded).isEqualTo(3);
        assertSameFilter((ScalableBloomFilter) e.db(0).lookupNoTouch(b("bf")), (ScalableBloomFilter) loaded.db(0).lookupNoTouch(b("bf")));
        assertSameFilter((ScalableBloomFilter) e.db(3).lookupNoTouch(b("ns")), (ScalableBloomFilter) loaded.db(3).lookupNoTouch(b("ns")));
    }

    /** An RDB holding one key of a module type named name. */
    private static byte[] rdbWithModuleValue(String name) {
        RdbWriter w = new RdbWriter(false);
        w.writeHeader();
        w.writeSelectDb(0);
        w.writeType(Rdb.TYPE_MODULE_2);
        w.writeString(b("k"));
        w.writeLen(ModuleCodec.encodeId(name, 1));
        w.writeLen(ModuleIO.OPCODE_UINT);
        w.writeLen(42);
        w.writeLen(ModuleIO.OPCODE_EOF);
        w.writeEof(true);
        return w.toByteArray();
    }

    @Test
    void anUnknownModuleTypeIsRefusedNamingItAndTheOffset() {
        byte[] rdb = rdbWithModuleValue("ReJSON-RL");
        assertThatThrownBy(() -> new RdbLoader(engine(), true, true).load(new RdbReader(new ByteArrayInputStream(rdb))))
                .isInstanceOf(RdbException.class)
                .hasMessage("The RDB file contains module data I can't load: no matching module type 'ReJSON-RL' (at offset 14)");
    }

    @Test
    void aMalformedFilterIsRefusedNotLoaded() throws Exception {
        ScalableBloomFilter f = scaled(300);
        byte[] good = DumpPayload.create(f, false, -2);
        // Every single-byte change of the body either fails to load or is caught by the
        // checks; with the checksum off, none may load as a filter that differs silently
        // in its shape (hash count, bit count, sizes).
        for (int i = 1; i < 40; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Object v = DumpPayload.load(bad, engine().config);
            if (v instanceof ScalableBloomFilter r) {
                assertThat(r.filterCount()).as("flip at %d", i).isEqualTo(f.filterCount());
            }
        }
        assertThat(DumpPayload.verify(good, true)).isTrue();
    }
}

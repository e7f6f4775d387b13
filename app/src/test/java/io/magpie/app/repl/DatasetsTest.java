package io.magpie.app.repl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.app.repl.Datasets.Dump;
import io.magpie.app.repl.Datasets.Entry;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The comparison forgives a key whose TTL ran out between the master's read and a replica's, and nothing else. */
class DatasetsTest {
    private static final Entry VOLATILE = new Entry("string ttl 96.72", 1_000);
    private static final Entry PERSISTENT = new Entry("string persist 1", Entry.PERSIST);

    @Test
    void keyExpiringBeforeTheReplicaReadEndedIsNoDifference() {
        assertThat(Datasets.diff(new Dump(Map.of("8/flt:9", VOLATILE), 900), new Dump(Map.of(), 1_000))).isEmpty();
    }

    @Test
    void keyMissingOnTheReplicaLongBeforeItsExpiryIsADifference() {
        assertThat(Datasets.diff(new Dump(Map.of("8/flt:9", VOLATILE), 900), new Dump(Map.of(), 999)))
                .containsExactly("8/flt:9: master string ttl 96.72 replica (missing)");
    }

    @Test
    void persistentKeyMissingOnTheReplicaIsADifference() {
        assertThat(Datasets.diff(new Dump(Map.of("0/k", PERSISTENT), 900), new Dump(Map.of(), Long.MAX_VALUE - 1))).hasSize(1);
    }

    @Test
    void keyOnlyOnTheReplicaOrWithOtherContentsIsADifference() {
        assertThat(Datasets.diff(new Dump(Map.of(), 900), new Dump(Map.of("0/k", VOLATILE), 2_000))).hasSize(1);
        assertThat(Datasets.diff(new Dump(Map.of("0/k", VOLATILE), 900),
                new Dump(Map.of("0/k", new Entry("string ttl 1", 1_000)), 2_000))).hasSize(1);
    }
}

package io.magpie.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Consumers of the write stream get each execution as one unit, never as made-up MULTI/EXEC commands. */
class WriteUnitTest {
    private final EngineHarness h = new EngineHarness();
    /** Each delivered unit as "atomic|db:ARG ARG,db:ARG ...". */
    private final List<String> units = new ArrayList<>();

    WriteUnitTest() {
        h.engine.writes.addListener((WriteStream.UnitListener) u -> {
            StringBuilder sb = new StringBuilder(u.atomic() ? "atomic|" : "separate|");
            for (int i = 0; i < u.size(); i++) {
                if (i > 0) sb.append(',');
                sb.append(u.db(i)).append(':');
                for (int j = 0; j < u.argv(i).length; j++) {
                    if (j > 0) sb.append(' ');
                    sb.append(new String(u.argv(i)[j], StandardCharsets.UTF_8));
                }
            }
            units.add(sb.toString());
        });
    }

    @Test
    void anExecIsOneUnitOfItsWritesWithTheirDbs() {
        Client c = h.client;
        h.call(c, "MULTI");
        h.call(c, "SET", "a", "1");
        h.call(c, "SELECT", "3");
        h.call(c, "INCR", "b");
        h.call(c, "EXEC");
        assertThat(units).containsExactly("atomic|0:SET a 1,3:INCR b");
    }
}

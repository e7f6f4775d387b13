package io.magpie.app;

import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every script in src/test/resources/differential runs against real redis-server and
 * Magpie, in RESP2 and again in RESP3, each from an empty keyspace; every reply must be
 * byte-identical (except where a directive says why not). The script name is the claim.
 */
class DifferentialScriptsTest extends AgainstRealRedis {
    @TestFactory
    Stream<DynamicTest> scripts() throws IOException, URISyntaxException {
        URL dir = getClass().getResource("/differential");
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of(dir.toURI()))) {
            s.filter(p -> p.toString().endsWith(".txt")).sorted().forEach(files::add);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files) {
            String script = Files.readString(f, StandardCharsets.UTF_8);
            String name = f.getFileName().toString().replace(".txt", "");
            for (int resp : new int[] {2, 3}) {
                tests.add(DynamicTest.dynamicTest(name + " (RESP" + resp + ")", () -> runScript(name, script, resp)));
            }
        }
        return tests.stream();
    }

    private static void runScript(String name, String script, int resp) {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("FLUSHALL");
                c.call("HELLO", String.valueOf(resp));
            }
            new Differential(r, m).run(name, script);
        }
    }

    static InputStream resource(String name) {
        return DifferentialScriptsTest.class.getResourceAsStream(name);
    }
}

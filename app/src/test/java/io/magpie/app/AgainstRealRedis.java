package io.magpie.app;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of tests that run the same thing on a real redis-server and on Magpie, side by side. */
abstract class AgainstRealRedis {
    protected static RealRedis redis;
    protected static TestServer magpie;

    @BeforeAll
    static void startBoth() {
        redis = new RealRedis();
        magpie = new TestServer();
    }

    @AfterAll
    static void stopBoth() {
        if (magpie != null) magpie.close();
        if (redis != null) redis.close();
        magpie = null;
        redis = null;
    }

    /** CONFIG SET on Magpie; anything but OK fails the test. */
    static void configureMagpie(String name, String value) throws Exception {
        try (io.magpie.protocol.RespClient m = magpie.client()) {
            Object reply = m.value("CONFIG", "SET", name, value);
            if (!"OK".equals(String.valueOf(reply))) {
                throw new AssertionError("CONFIG SET " + name + " " + value + ": " + reply);
            }
        }
    }
}

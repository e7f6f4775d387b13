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

    /** CONFIG SET on Magpie, or straight into its parameter registry while CONFIG is not there yet. */
    static void configureMagpie(String name, String value) throws Exception {
        try (io.magpie.protocol.RespClient m = magpie.client()) {
            Object reply = m.value("CONFIG", "SET", name, value);
            if (reply instanceof io.magpie.protocol.RespClient.Err e && e.text().startsWith("ERR unknown command")) {
                io.magpie.engine.config.Param p = magpie.server().registry().find(name);
                magpie.server().onMainThread(() -> {
                    p.set(value);
                    return null;
                });
            } else if (!"OK".equals(String.valueOf(reply))) {
                throw new IllegalStateException("CONFIG SET " + name + " " + value + ": " + reply);
            }
        }
    }
}

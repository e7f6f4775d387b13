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
}

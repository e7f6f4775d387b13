package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AUTH with requirepass, compared byte for byte with Redis started with the same password:
 * NOAUTH before authentication, WRONGPASS, HELLO AUTH, RESET dropping authentication, and
 * the small request limits Redis applies to unauthenticated connections.
 */
class AuthRequirepassTest {
    private static RealRedis redis;
    private static TestServer magpie;

    @BeforeAll
    static void start() {
        redis = new RealRedis("--requirepass", "s3cret");
        magpie = new TestServer("--requirepass", "s3cret");
    }

    @AfterAll
    static void stop() {
        if (magpie != null) magpie.close();
        if (redis != null) redis.close();
    }

    private static void script(String text) {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            new Differential(r, m).run("auth", text);
        }
    }

    @Test
    void commandsBeforeAuthGetNoauthAndAuthUnlocksThem() {
        script("""
                PING
                GET k
                SET k v
                CONFIG GET maxmemory
                NOSUCHCOMMAND
                CLIENT SETNAME x
                ECHO hi
                AUTH wrong
                AUTH default wrong
                AUTH nosuchuser s3cret
                AUTH a b c
                AUTH s3cret
                SET k v
                GET k
                AUTH s3cret
                AUTH default s3cret
                QUIT
                """);
    }

    @Test
    void helloNeedsAuthenticationOrAuthOption() {
        script("""
                HELLO
                HELLO 3
                HELLO 2 AUTH default wrong
                HELLO 2 AUTH default
                HELLO 4
                HELLO 3 SETNAME "bad name" AUTH default s3cret
                !type HELLO 2 AUTH default s3cret SETNAME helloname
                CLIENT GETNAME
                GET k
                RESET
                GET k
                """);
    }

    @Test
    void unauthenticatedClientsGetProtocolErrorsForLargeRequests() {
        for (String input : new String[] {"*11\r\n", "*2\r\n$4\r\nAUTH\r\n$16385\r\n"}) {
            try (RespClient r = redis.client(); RespClient m = magpie.client()) {
                r.sendRaw(input);
                m.sendRaw(input);
                assertThat(m.read().text()).isEqualTo(r.read().text());
                assertThat(m.isClosedByServer()).isTrue();
                assertThat(r.isClosedByServer()).isTrue();
            }
        }
        try (RespClient m = magpie.client()) {
            m.call("AUTH", "s3cret");
            // Once authenticated, the same sizes are fine.
            assertThat(m.value("ECHO", "x".repeat(20000)).toString()).hasSize(20000);
        }
    }

    @Test
    void configSetRequirepassTakesEffectForNewConnections() {
        try (RespClient r = redis.client(); RespClient m = magpie.client()) {
            for (RespClient c : new RespClient[] {r, m}) {
                c.call("AUTH", "s3cret");
                c.call("CONFIG", "SET", "requirepass", "other");
            }
        }
        script("""
                GET k
                AUTH s3cret
                AUTH other
                CONFIG SET requirepass s3cret
                """);
    }
}

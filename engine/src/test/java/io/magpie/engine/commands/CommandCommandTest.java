package io.magpie.engine.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.Clock;
import io.magpie.engine.Engine;
import io.magpie.engine.config.Config;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** COMMAND answered from the command table alone, without a network. */
class CommandCommandTest {
    private final Engine engine = new Engine(new Config(), Clock.SYSTEM, 1);

    /** Runs a command on a fresh detached client and returns the raw reply. */
    private String run(String... args) {
        Client c = Client.detached(engine);
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        engine.execute(c, argv);
        return c.output().toString(StandardCharsets.UTF_8);
    }

    @Test
    void getkeysFindsKeysByKeySpecsForRangeAndKeynumCommands() {
        assertThat(run("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2")).isEqualTo("*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        assertThat(run("COMMAND", "GETKEYS", "SET", "k", "v", "EX", "10")).isEqualTo("*1\r\n$1\r\nk\r\n");
        assertThat(run("COMMAND", "GETKEYS", "MGET", "x", "y", "z")).isEqualTo("*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n");
    }

    @Test
    void getkeysFindsKeysThatDependOnTheArguments() {
        assertThat(run("COMMAND", "GETKEYS", "SORT", "k", "STORE", "d")).isEqualTo("*2\r\n$1\r\nk\r\n$1\r\nd\r\n");
        assertThat(run("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "KEYS", "a", "b")).isEqualTo("*2\r\n$1\r\na\r\n$1\r\nb\r\n");
        // EVAL is answered from the table even where the engine has no handler for it.
        assertThat(run("COMMAND", "GETKEYS", "EVAL", "return 1", "1", "a", "x")).isEqualTo("*1\r\n$1\r\na\r\n");
    }

    @Test
    void getkeysandflagsListsEachKeyWithItsFlags() {
        assertThat(run("COMMAND", "GETKEYSANDFLAGS", "LMOVE", "a", "b", "LEFT", "RIGHT"))
                .isEqualTo("*2\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n*2\r\n$1\r\nb\r\n*2\r\n+RW\r\n+insert\r\n");
    }

    @Test
    void getkeysErrorsAsRedis() {
        assertThat(run("COMMAND", "GETKEYS", "NOSUCH", "a")).isEqualTo("-ERR Invalid command specified\r\n");
        assertThat(run("COMMAND", "GETKEYS", "GET", "a", "b")).isEqualTo("-ERR Invalid number of arguments specified for command\r\n");
        assertThat(run("COMMAND", "GETKEYS", "PING", "x")).isEqualTo("-ERR The command has no key arguments\r\n");
    }

    @Test
    void countMatchesTheTopLevelCommandsListed() {
        String count = run("COMMAND", "COUNT");
        String list = run("COMMAND", "LIST");
        long topLevel = list.lines().filter(l -> !l.startsWith("*") && !l.startsWith("$") && !l.contains("|")).count();
        assertThat(count).isEqualTo(":" + topLevel + "\r\n");
    }

    @Test
    void infoOfUnknownCommandIsNullAndKnownOneStartsWithNameAndArity() {
        assertThat(run("COMMAND", "INFO", "nosuch")).isEqualTo("*1\r\n$-1\r\n");
        assertThat(run("COMMAND", "INFO", "get")).startsWith("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n");
    }
}

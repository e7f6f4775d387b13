package io.magpie.engine.scripting;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.engine.Client;
import io.magpie.engine.EngineHarness;
import io.magpie.protocol.RespClient.Err;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What scripts put on the write stream, and how a long script is observed and killed. */
class ScriptingTest {
    private final EngineHarness h = new EngineHarness();
    private final Client c = h.newClient();

    @Test
    void aScriptWithSeveralWritesPropagatesItsEffectsWrappedInMultiExec() {
        h.propagated.clear();
        assertThat(h.value(c, "EVAL", "redis.call('incr', KEYS[1]); redis.call('expire', KEYS[1], 100); return 1", "1", "k")).isEqualTo(1L);
        long at = h.clock.millis + 100_000;
        assertThat(h.propagated).containsExactly("0:MULTI", "0:incr k", "0:PEXPIREAT k " + at, "0:EXEC");
    }

    @Test
    void aScriptWithOneWriteIsNotWrappedAndAReadOnlyOneIsNotPropagated() {
        h.propagated.clear();
        h.value(c, "EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v");
        assertThat(h.propagated).containsExactly("0:set k v");
        h.propagated.clear();
        assertThat(h.value(c, "EVAL", "return redis.call('get', KEYS[1])", "1", "k")).isEqualTo("v");
        assertThat(h.propagated).isEmpty();
    }

    @Test
    void writesInAnotherDbCarryTheirDbAndTheCallersDbIsUnchanged() {
        h.propagated.clear();
        h.value(c, "EVAL", "redis.call('select', 2); redis.call('set', 'a', '1'); return redis.call('set', 'b', '2')", "0");
        assertThat(h.propagated).containsExactly("2:MULTI", "2:set a 1", "2:set b 2", "2:EXEC");
        assertThat(h.value(c, "GET", "a")).isNull();
    }

    /** Each consumer's view of the stream as "db:ARGS" lines, as the AOF or the replicas read it. */
    private List<String> consumer(int target) {
        List<String> seen = new ArrayList<>();
        h.engine.writes.addListener(u -> {
            if (u.wrap()) seen.add(u.multiDb() + ":MULTI");
            for (int i = 0; i < u.size(); i++) {
                StringBuilder sb = new StringBuilder().append(u.db(i)).append(':');
                for (byte[] a : u.argv(i)) sb.append(sb.charAt(sb.length() - 1) == ':' ? "" : " ").append(new String(a));
                seen.add(sb.toString());
            }
            if (u.wrap()) seen.add(u.execDb() + ":EXEC");
        }, target);
        return seen;
    }

    @Test
    void setReplSendsTheFollowingWritesToTheAofTheReplicasBothOrNeither() {
        List<String> aof = consumer(io.magpie.engine.WriteUnit.AOF), replicas = consumer(io.magpie.engine.WriteUnit.REPLICA);
        h.value(c, "EVAL", "redis.set_repl(redis.REPL_AOF); redis.call('set', 'a', '1'); redis.set_repl(redis.REPL_REPLICA); "
                + "redis.call('set', 'r', '1'); redis.set_repl(redis.REPL_NONE); redis.call('set', 'n', '1'); "
                + "redis.set_repl(redis.REPL_ALL); return redis.call('set', 'all', '1')", "0");
        assertThat(aof).containsExactly("0:MULTI", "0:set a 1", "0:set all 1", "0:EXEC");
        assertThat(replicas).containsExactly("0:MULTI", "0:set r 1", "0:set all 1", "0:EXEC");
        assertThat(h.value(c, "MGET", "a", "r", "n", "all")).isEqualTo(List.of("1", "1", "1", "1"));
    }

    @Test
    void aConsumerThatGetsNoneOfAScriptsSeveralWritesStillGetsMultiExecAsRedisSends() {
        List<String> aof = consumer(io.magpie.engine.WriteUnit.AOF), replicas = consumer(io.magpie.engine.WriteUnit.REPLICA);
        h.value(c, "EVAL", "redis.set_repl(redis.REPL_REPLICA); redis.call('set', 'r1', '1'); return redis.call('set', 'r2', '1')", "0");
        assertThat(aof).containsExactly("0:MULTI", "0:EXEC");
        assertThat(replicas).containsExactly("0:MULTI", "0:set r1 1", "0:set r2 1", "0:EXEC");
        aof.clear();
        replicas.clear();
        // The next script starts again with REPL_ALL; REPL_NONE with one write sends nothing at all.
        h.value(c, "EVAL", "return redis.call('set', 'x', '1')", "0");
        h.value(c, "EVAL", "redis.set_repl(redis.REPL_NONE); return redis.call('set', 'y', '1')", "0");
        assertThat(aof).containsExactly("0:set x 1");
        assertThat(replicas).containsExactly("0:set x 1");
    }

    @Test
    void setReplAlsoFiltersWhatACommandPropagatesOnItsOwnAsFlushallAndPfcount() {
        List<String> aof = consumer(io.magpie.engine.WriteUnit.AOF), replicas = consumer(io.magpie.engine.WriteUnit.REPLICA);
        h.value(c, "PFADD", "h", "a", "b");
        aof.clear();
        replicas.clear();
        h.value(c, "EVAL", "redis.set_repl(redis.REPL_AOF); redis.call('pfcount', 'h'); redis.set_repl(redis.REPL_REPLICA); "
                + "return redis.call('flushall')", "0");
        assertThat(aof).containsExactly("0:MULTI", "0:pfcount h", "0:EXEC");
        assertThat(replicas).containsExactly("0:MULTI", "0:flushall", "0:EXEC");
    }

    @Test
    void functionLoadAndDeletePropagateAsThemselves() {
        h.propagated.clear();
        String lib = "#!lua name=l\nredis.register_function('f', function() return 1 end)";
        h.value(c, "FUNCTION", "LOAD", lib);
        h.value(c, "FUNCTION", "DELETE", "l");
        assertThat(h.propagated).containsExactly("0:FUNCTION LOAD " + lib, "0:FUNCTION DELETE l");
    }

    @Test
    void scriptKillStopsALongScriptThatHasNotWritten() throws Exception {
        Scripting s = h.engine.scripting;
        List<String> killReplies = new ArrayList<>();
        s.busyReplyThreshold.set("0");
        s.busyHandler = () -> {
            killReplies.add(String.valueOf(s.kill(true)));
            killReplies.add(String.valueOf(s.kill(false)));
        };
        Object reply = h.value(c, "EVAL", "local i = 0\nwhile true do i = i + 1 end", "0");
        assertThat(reply).isEqualTo(new Err("ERR Script killed by user with SCRIPT KILL... script: "
                + Scripting.sha1hex("local i = 0\nwhile true do i = i + 1 end".getBytes()) + ", on @user_script:2."));
        assertThat(killReplies).startsWith("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.", "null");
        assertThat(s.scriptRunning()).isFalse();
        assertThat(s.kill(false)).isEqualTo("NOTBUSY No scripts in execution right now.");
    }

    @Test
    void aScriptThatWroteIsUnkillableAndRunsToItsEnd() throws Exception {
        Scripting s = h.engine.scripting;
        List<String> killReplies = new ArrayList<>();
        s.busyReplyThreshold.set("0");
        s.busyHandler = () -> killReplies.add(s.kill(false));
        Object reply = h.value(c, "EVAL", "redis.call('set', 'w', '1') for i = 1, 300000 do end return 'done'", "0");
        assertThat(reply).isEqualTo("done");
        assertThat(killReplies).isNotEmpty().allMatch(r -> r.startsWith("UNKILLABLE Sorry the script already executed write commands"));
        assertThat(s.busyError()).isNull();
    }

    @Test
    void functionKillStopsAFunctionAndScriptKillIsRefusedForIt() throws Exception {
        Scripting s = h.engine.scripting;
        List<String> killReplies = new ArrayList<>();
        h.value(c, "FUNCTION", "LOAD", "#!lua name=spin\nredis.register_function('spin', function() while true do end end)");
        s.busyReplyThreshold.set("0");
        s.busyHandler = () -> {
            killReplies.add(s.busyError());
            killReplies.add(String.valueOf(s.kill(false)));
            killReplies.add(String.valueOf(s.kill(true)));
        };
        assertThat(h.value(c, "FCALL", "spin", "0"))
                .isEqualTo(new Err("ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2."));
        // Redis's texts: SCRIPT KILL of a function gets the function's BUSY error, which also says "running a script".
        assertThat(killReplies).startsWith("BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.",
                "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.", "null");
    }

    @Test
    void aKilledScriptCannotCatchItsKillWithPcall() throws Exception {
        Scripting s = h.engine.scripting;
        s.busyReplyThreshold.set("0");
        s.busyHandler = () -> s.kill(false);
        String body = "local caught = 0\nwhile true do\n  local ok = pcall(function() local i = 0 while true do i = i + 1 end end)\n"
                + "  if not ok then caught = caught + 1 end\nend";
        Object reply = h.value(c, "EVAL", body, "0");
        // As redis-server 7.0.15: the pcall caught the kill on line 3, the next line raised it again.
        assertThat(reply).isEqualTo(new Err("ERR Script killed by user with SCRIPT KILL... script: " + Scripting.sha1hex(body.getBytes()) + ", on @user_script:4."));
        assertThat(s.scriptRunning()).isFalse();
        assertThat(h.value(c, "EVAL", "return 1", "0")).isEqualTo(1L);
    }

    @Test
    void functionStatsWhileAnEvalRunsLongIsBusy() throws Exception {
        Scripting s = h.engine.scripting;
        List<Object> stats = new ArrayList<>();
        s.busyReplyThreshold.set("0");
        Client other = h.newClient();
        s.busyHandler = () -> {
            if (stats.isEmpty()) stats.add(h.value(other, "FUNCTION", "STATS"));
            s.kill(false);
        };
        h.value(c, "EVAL", "while true do end", "0");
        assertThat(stats).containsExactly(new Err("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."));
    }
}

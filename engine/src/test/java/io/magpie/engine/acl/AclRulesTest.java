package io.magpie.engine.acl;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.commands.CommandTable;
import io.magpie.commands.RedisCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** ACL rules without a server: what they permit, and that ACL LIST's description rebuilds them. */
class AclRulesTest {
    private static final CommandTable<Object> TABLE = CommandTable.load();
    private final Acl acl = new Acl(new AclCommandIndex(TABLE));

    private User user(String name, String... ops) {
        Acl.SetUserResult r = acl.setUser(name, List.of(ops), List.of());
        assertThat(r.error()).isNull();
        return r.user();
    }

    private int check(User u, String... argv) {
        byte[][] args = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) args[i] = argv[i].getBytes(StandardCharsets.UTF_8);
        RedisCommand cmd = TABLE.lookupAny(args, 0, args.length);
        return acl.check(u, cmd, args, 0, args.length);
    }

    @Test
    void theDefaultUserIsUnrestrictedUntilARuleTakesSomethingAway() {
        assertThat(acl.defaultUser().unrestricted).isTrue();
        assertThat(acl.authRequired()).isFalse();
        User d = user("default", "-@dangerous");
        assertThat(d.unrestricted).isFalse();
        user("default", "+@all");
        assertThat(d.unrestricted).isTrue();
        acl.setDefaultPassword("pw");
        assertThat(acl.authRequired()).isTrue();
        assertThat(d.unrestricted).isTrue();
    }

    @Test
    void readAndWritePatternsGrantOnlyTheirAccess() {
        User u = user("u", "on", "+@all", "%R~r*", "%W~w*", "~both*");
        assertThat(check(u, "GET", "r1")).isEqualTo(Acl.OK);
        assertThat(check(u, "SET", "r1", "v")).isEqualTo(Acl.DENIED_KEY);
        assertThat(check(u, "SET", "w1", "v")).isEqualTo(Acl.OK);
        assertThat(check(u, "GET", "w1")).isEqualTo(Acl.DENIED_KEY);
        assertThat(check(u, "APPEND", "w1", "v")).isEqualTo(Acl.OK); // insert only: no read needed
        assertThat(check(u, "GETDEL", "w1")).isEqualTo(Acl.DENIED_KEY);
        assertThat(check(u, "GETDEL", "both1")).isEqualTo(Acl.OK);
        assertThat(check(u, "LMOVE", "r1", "w1", "LEFT", "LEFT")).isEqualTo(Acl.DENIED_KEY);
        assertThat(acl.deniedPosition()).isEqualTo(1);
    }

    @Test
    void aSelectorAllowsWhatTheRootDeniesButOnlyAsAWhole() {
        User u = user("u", "on", "-@all", "+get", "~a*", "(+set ~b*)");
        assertThat(check(u, "GET", "a1")).isEqualTo(Acl.OK);
        assertThat(check(u, "SET", "b1", "v")).isEqualTo(Acl.OK);
        assertThat(check(u, "SET", "a1", "v")).isEqualTo(Acl.DENIED_KEY);
        assertThat(check(u, "GET", "b1")).isEqualTo(Acl.DENIED_KEY);
        assertThat(check(u, "DEL", "a1")).isEqualTo(Acl.DENIED_CMD);
    }

    @Test
    void subcommandsAndFirstArgumentsAreAllowedOneByOne() {
        User u = user("u", "on", "-@all", "+config|get", "+select|0", "allkeys");
        assertThat(check(u, "CONFIG", "GET", "x")).isEqualTo(Acl.OK);
        assertThat(check(u, "CONFIG", "SET", "x", "y")).isEqualTo(Acl.DENIED_CMD);
        assertThat(check(u, "SELECT", "0")).isEqualTo(Acl.OK);
        assertThat(check(u, "SELECT", "1")).isEqualTo(Acl.DENIED_CMD);
    }

    @Test
    void channelsGlobButAPatternSubscriptionMustBeAllowedLiterally() {
        User u = user("u", "on", "+@all", "resetchannels", "&news.*");
        assertThat(check(u, "PUBLISH", "news.1", "m")).isEqualTo(Acl.OK);
        assertThat(check(u, "PUBLISH", "other", "m")).isEqualTo(Acl.DENIED_CHANNEL);
        assertThat(check(u, "PSUBSCRIBE", "news.*")).isEqualTo(Acl.OK);
        assertThat(check(u, "PSUBSCRIBE", "news.1*")).isEqualTo(Acl.DENIED_CHANNEL);
        assertThat(check(u, "SUBSCRIBE", "news.1", "bad")).isEqualTo(Acl.DENIED_CHANNEL);
        assertThat(acl.deniedPosition()).isEqualTo(2);
    }

    @Test
    void aRefusedSetuserChangesNothing() {
        User u = user("u", "on", "+get");
        String before = u.describe();
        assertThat(acl.setUser("u", List.of("off", "+nosuch"), List.of()).error())
                .isEqualTo("Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
        assertThat(u.describe()).isEqualTo(before);
    }

    private static final String[] RULES = {
        "+@all", "-@all", "+@read", "-@write", "+@string", "-@dangerous", "+@hash", "-@fast", "+@slow", "-@admin",
        "+get", "-set", "+config|get", "-config", "+client", "-client|kill", "+select|0", "+debug|object",
        "~k*", "%R~r*", "%W~w*", "allkeys", "resetkeys", "&c*", "allchannels", "resetchannels", "on", "off", "nopass",
        ">pw", "resetpass", "(+get ~s*)", "clearselectors",
    };

    @Test
    void aclListRulesRebuildTheSameUserForAnyRuleSequence() {
        SplittableRandom r = new SplittableRandom(18);
        for (int n = 0; n < 300; n++) {
            List<String> ops = new ArrayList<>();
            for (int i = r.nextInt(1, 12); i > 0; i--) ops.add(RULES[r.nextInt(RULES.length)]);
            // Patterns after allkeys/allchannels are refused; skip such sequences.
            Acl.SetUserResult first = acl.setUser("gen" + n, ops, List.of());
            if (first.error() != null) continue;
            User u = first.user();
            String described = u.describe();
            List<String> again = new ArrayList<>(Arrays.asList(described.split(" ")));
            User rebuilt = user("rebuilt" + n, again.toArray(new String[0]));
            assertThat(rebuilt.describe()).as("rules %s", ops).isEqualTo(described);
            for (int s = 0; s < u.selectors.size(); s++) {
                assertThat(rebuilt.selectors.get(s).allowed).as("rules %s", ops).isEqualTo(u.selectors.get(s).allowed);
            }
        }
    }

    @Test
    void aScriptsInnerCommandIsCheckedAgainstTheCallersUserAndLoggedInLuaContext() {
        io.magpie.engine.Engine engine = new io.magpie.engine.Engine(new io.magpie.engine.config.Config(), io.magpie.engine.Clock.SYSTEM, 1);
        Acl a = engine.acl;
        a.setUser("u", List.of("on", "nopass", "+@all", "~k*"), List.of());
        io.magpie.engine.Client caller = io.magpie.engine.Client.detached(engine);
        RedisCommand get = engine.commands.lookupAny("get");
        // The default user runs anything.
        assertThat(a.checkScriptCall(caller, get, new byte[][] {"get".getBytes(), "x".getBytes()}, 2, 0)).isNull();
        caller.aclUser = a.user("u");
        assertThat(a.checkScriptCall(caller, get, new byte[][] {"get".getBytes(), "k1".getBytes()}, 2, 0)).isNull();
        assertThat(a.checkScriptCall(caller, get, new byte[][] {"get".getBytes(), "x".getBytes()}, 2, 0))
                .isEqualTo("The user executing the script can't access at least one of the keys mentioned in the command arguments");
        AclLog.Entry e = a.log.newest(1).get(0);
        assertThat(List.of(e.reasonName(), e.contextName(), e.object, e.username)).containsExactly("key", "lua", "x", "u");
    }
}

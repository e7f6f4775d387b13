package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ACL where a differential script cannot say it: ACL LOG entries (their age and client
 * info vary) compared field by field with Redis's, users from the config file and from an
 * aclfile loading the same on both servers, ACL SAVE/LOAD round trips, connections killed
 * with their user, and a replica authenticating with masteruser/masterauth.
 */
class AclTest {
    private static final String[] USERS = {
        "--user", "alice", "on", ">pw", "~k*", "%R~r*", "&ch*", "-@all", "+@string",
        "--user", "bob", "off", "nopass", "+@all", "-@dangerous", "allkeys",
        "--user", "carol", "on", "#30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4", "-@all", "+@hash", "(~h* +@list)",
        "--user", "default", "on", "nopass", "~*", "&*", "+@all", "-flushall",
    };

    @Test
    void configFileUsersLoadTheSameAsRedis() {
        try (RealRedis r = new RealRedis(USERS); TestServer m = new TestServer(USERS);
             RespClient rc = r.client(); RespClient mc = m.client()) {
            Differential d = new Differential(rc, mc);
            d.same("ACL", "LIST");
            d.same("AUTH", "alice", "pw");
            d.same("SET", "k1", "v");
            d.same("SET", "r1", "v");
            d.same("GET", "r1");
        }
    }

    @Test
    void aclfileLoadsSavesAndReloadsTheSameAsRedis() throws Exception {
        Path dir = Files.createTempDirectory("acl-test");
        Path rf = dir.resolve("redis.acl"), mf = dir.resolve("magpie.acl");
        String users = """
                user alice on >pw ~k* %W~w* resetchannels &ch* -@all +@string
                user default on nopass ~* &* +@all
                user dave off (~x* +get) (%R~y* +@read)
                """;
        Files.writeString(rf, users);
        Files.writeString(mf, users);
        try (RealRedis r = new RealRedis("--aclfile", rf.toString()); TestServer m = new TestServer("--aclfile", mf.toString());
             RespClient rc = r.client(); RespClient mc = m.client()) {
            Differential d = new Differential(rc, mc);
            d.same("ACL", "LIST");
            d.same("ACL", "SETUSER", "erin", "on", ">x", "+@all", "-@keyspace", "~e*");
            d.same("ACL", "DELUSER", "dave");
            d.same("ACL", "SAVE");
            assertThat(Files.readString(mf)).isEqualTo(Files.readString(rf));
            String changed = "user frank on nopass -@all +@hash ~f*\n";
            Files.writeString(rf, changed);
            Files.writeString(mf, changed);
            d.same("ACL", "LOAD");
            d.same("ACL", "LIST");
            // A bad file changes nothing; the error names the file, so both read the same one.
            Files.writeString(rf, "user gina on +nosuch\nuser hank on\nfoo bar\n");
            assertThat(text(mc.call("CONFIG", "GET", "aclfile"))).contains(mf.toString());
            Files.writeString(mf, Files.readString(rf));
            String re = text(rc.call("ACL", "LOAD")), me = text(mc.call("ACL", "LOAD"));
            assertThat(me.replace(mf.toString(), "FILE")).isEqualTo(re.replace(rf.toString(), "FILE"));
            d.same("ACL", "LIST");
        }
    }

    @Test
    void aclLogEntriesHaveRedisFieldsInRedisOrder() {
        try (RealRedis r = new RealRedis(); TestServer m = new TestServer()) {
            List<List<Object>> logs = new ArrayList<>();
            for (int port : new int[] {r.port(), m.port()}) {
                try (RespClient admin = new RespClient(port); RespClient c = new RespClient(port)) {
                    admin.call("ACL", "SETUSER", "logger", "on", ">pw", "-@all", "+get", "+set", "+multi", "+exec", "~k*", "+auth");
                    c.call("AUTH", "logger", "bad");
                    c.call("AUTH", "logger", "pw");
                    c.call("GET", "x");
                    c.call("GET", "x");
                    c.call("DEL", "k");
                    c.call("MULTI");
                    c.call("SET", "y", "1");
                    c.call("EXEC");
                    logs.add(withoutVaryingFields(admin.call("ACL", "LOG").value()));
                }
            }
            assertThat(logs.get(1)).isEqualTo(logs.get(0));
            assertThat(logs.get(0)).hasSize(4);
        }
    }

    /** Each entry's fields with age-seconds' value replaced by its sign and client-info's by its user= field. */
    @SuppressWarnings("unchecked")
    static List<Object> withoutVaryingFields(Object log) {
        List<Object> out = new ArrayList<>();
        for (Object e : (List<Object>) log) {
            List<Object> fields = new ArrayList<>((List<Object>) e);
            for (int i = 0; i + 1 < fields.size(); i += 2) {
                String name = String.valueOf(fields.get(i));
                if (name.equals("age-seconds")) fields.set(i + 1, Double.parseDouble(String.valueOf(fields.get(i + 1))) >= 0);
                if (name.equals("client-info")) {
                    String info = String.valueOf(fields.get(i + 1));
                    fields.set(i + 1, info.substring(info.indexOf(" user=")).replaceAll(" redir=.*", ""));
                }
            }
            out.add(fields);
        }
        return out;
    }

    @Test
    void deletingAUserClosesItsConnectionsAndRevokingChannelsClosesItsSubscribers() {
        try (TestServer m = new TestServer(); RespClient admin = m.client(); RespClient alice = m.client();
             RespClient sub = m.client(); RespClient other = m.client()) {
            admin.call("ACL", "SETUSER", "alice", "on", "nopass", "+@all", "~*", "&news*");
            assertThat(text(alice.call("AUTH", "alice", "x"))).isEqualTo("OK");
            assertThat(text(sub.call("AUTH", "alice", "x"))).isEqualTo("OK");
            sub.call("SUBSCRIBE", "news1");
            assertThat(text(other.call("AUTH", "alice", "x"))).isEqualTo("OK");
            // Keeping news*: the subscriber stays.
            admin.call("ACL", "SETUSER", "alice", "&other");
            assertThat(clientUsers(admin)).containsExactlyInAnyOrder("default", "alice", "alice", "alice");
            // resetchannels revokes news1: only the subscriber goes.
            admin.call("ACL", "SETUSER", "alice", "resetchannels", "&other");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(clientUsers(admin)).containsExactlyInAnyOrder("default", "alice", "alice"));
            assertThat(admin.call("ACL", "DELUSER", "alice").value()).isEqualTo(1L);
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(clientUsers(admin)).containsExactly("default"));
        }
    }

    @Test
    void aclLoadClosesTheConnectionsOfTheUsersItReplacesButNotTheDefaultUsers() throws Exception {
        Path f = Files.createTempDirectory("acl-load").resolve("users.acl");
        Files.writeString(f, "user alice on nopass +@all ~*\nuser default on nopass +@all ~* &*\n");
        try (TestServer m = new TestServer("--aclfile", f.toString()); RespClient admin = m.client(); RespClient alice = m.client()) {
            assertThat(text(alice.call("AUTH", "alice", "x"))).isEqualTo("OK");
            assertThat(clientUsers(admin)).containsExactlyInAnyOrder("default", "alice");
            assertThat(text(admin.call("ACL", "LOAD"))).isEqualTo("OK");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(clientUsers(admin)).containsExactly("default"));
            assertThat(text(admin.call("ACL", "WHOAMI"))).isEqualTo("default");
        }
    }

    @Test
    void passwordsAndRulesAreRedactedInTheSlowlogAsRedisRedactsThem() {
        try (RealRedis r = new RealRedis(); TestServer m = new TestServer()) {
            List<List<String>> logged = new ArrayList<>();
            for (int port : new int[] {r.port(), m.port()}) {
                try (RespClient c = new RespClient(port)) {
                    c.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
                    c.call("SLOWLOG", "RESET");
                    c.call("ACL", "SETUSER", "sl", "on", ">secret", "+@all");
                    c.call("AUTH", "sl", "secret");
                    c.call("AUTH", "wrong");
                    c.call("HELLO", "2", "AUTH", "sl", "secret", "SETNAME", "n");
                    List<String> argvs = new ArrayList<>();
                    for (Object e : (List<?>) c.call("SLOWLOG", "GET", "10").value()) {
                        List<String> argv = new ArrayList<>();
                        for (Object a : (List<?>) ((List<?>) e).get(3)) argv.add(a instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(a));
                        argvs.add(String.join(" ", argv));
                    }
                    logged.add(argvs);
                }
            }
            assertThat(logged.get(1)).isEqualTo(logged.get(0));
            assertThat(String.join("\n", logged.get(0))).doesNotContain("secret");
        }
    }

    @Test
    void configRewriteWritesTheUsersLikeRedis() throws Exception {
        Path dir = Files.createTempDirectory("acl-rewrite");
        String original = "# users\nuser alice on >pw ~k* +@all\nuser bob on nopass -@all +get\ntimeout 0\n";
        Path rf = Files.writeString(dir.resolve("r.conf"), original), mf = Files.writeString(dir.resolve("m.conf"), original);
        int redisPort = RealRedis.freePort();
        Process redis = new ProcessBuilder("redis-server", rf.toString(), "--port", String.valueOf(redisPort), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--save", "").redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        try (TestServer m = new TestServer("--user", "alice", "on", ">pw", "~k*", "+@all", "--user", "bob", "on", "nopass", "-@all", "+get")) {
            RealRedis.waitUntilReady(redisPort, redis);
            m.server().setConfigFile(mf.toString());
            try (RespClient r = new RespClient(redisPort); RespClient mc = m.client()) {
                for (RespClient c : new RespClient[] {r, mc}) {
                    c.call("ACL", "DELUSER", "bob");
                    c.call("ACL", "SETUSER", "carol", "on", ">x", "-@all", "+@hash", "~h*");
                    c.call("ACL", "SETUSER", "alice", "-@dangerous");
                    assertThat(text(c.call("CONFIG", "REWRITE"))).isEqualTo("OK");
                }
            }
            assertThat(userLines(mf)).isEqualTo(userLines(rf)).hasSize(3);
            assertThat(Files.readString(mf)).startsWith("# users\nuser alice on #");
        } finally {
            redis.destroy();
            redis.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    private static List<String> userLines(Path conf) throws java.io.IOException {
        return Files.readAllLines(conf).stream().filter(l -> l.startsWith("user ")).sorted().toList();
    }

    private static List<String> clientUsers(RespClient c) {
        List<String> users = new ArrayList<>();
        for (String line : text(c.call("CLIENT", "LIST")).split("\n")) {
            int at = line.indexOf(" user=");
            if (at >= 0) users.add(line.substring(at + 6, line.indexOf(' ', at + 6)));
        }
        return users;
    }

    @Test
    void aReplicaAuthenticatesWithMasteruserAndMasterauth() throws Exception {
        // Own directories: a full sync writes an RDB there, which a later server would load.
        String masterDir = Files.createTempDirectory("acl-master").toString(), replicaDir = Files.createTempDirectory("acl-replica").toString();
        String[] master = {"--dir", masterDir, "--requirepass", "adminpw", "--user", "repl", "on", ">replpw", "-@all", "+psync", "+replconf", "+ping"};
        try (TestServer m = new TestServer(master);
             TestServer r = new TestServer("--dir", replicaDir, "--masteruser", "repl", "--masterauth", "replpw");
             RespClient mc = m.client(); RespClient rc = r.client()) {
            mc.call("AUTH", "adminpw");
            rc.call("REPLICAOF", "127.0.0.1", Integer.toString(m.port()));
            mc.call("SET", "k", "v");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(text(rc.call("GET", "k"))).isEqualTo("v"));
            assertThat((List<?>) mc.call("ACL", "LOG").value()).isEmpty();
        }
    }

    private static String text(RespClient.Reply r) {
        Object v = r.value();
        if (v instanceof RespClient.Status s) return s.text();
        if (v instanceof RespClient.Err e) return e.text();
        if (v instanceof byte[] b) return new String(b, StandardCharsets.UTF_8);
        return String.valueOf(v);
    }
}

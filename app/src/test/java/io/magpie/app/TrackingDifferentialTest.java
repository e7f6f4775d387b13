package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.ArgSplitter;
import io.magpie.protocol.RespClient;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Client side caching, run as the same multi-connection scenario on redis-server and on
 * Magpie; every connection's bytes (replies and the invalidation messages pushed to it)
 * must be the same. A scenario line is {@code NAME: COMMAND ...} on connection NAME; after
 * each line every connection is drained with a PING, so a message lands in the transcript
 * of the step that caused it. {@code $NAME} stands for connection NAME's client id.
 */
class TrackingDifferentialTest extends AgainstRealRedis {

    @Test
    void defaultModeRemembersReadsAndInvalidatesOncePerRead() {
        run("""
                a: HELLO 3
                a: CLIENT TRACKING on
                a: GET k
                b: SET k v1
                b: SET k v2
                a: MGET k k2
                b: MSET k2 x k3 y
                a: GET k
                a: SET k mine
                a: GET k
                b: DEL k
                b: SET k again
                a: CLIENT TRACKINGINFO
                a: CLIENT GETREDIR
                """);
    }

    @Test
    void noloopSkipsTheClientsOwnWritesAndOffForgets() {
        run("""
                a: HELLO 3
                a: CLIENT TRACKING on NOLOOP
                a: GET k
                a: SET k mine
                b: SET k other
                a: GET k
                b: SET k other2
                a: GET k
                a: CLIENT TRACKING off
                b: SET k other3
                a: CLIENT TRACKINGINFO
                """);
    }

    @Test
    void resp2RedirectDeliversOnTheInvalidateChannel() {
        run("""
                r: SUBSCRIBE __redis__:invalidate
                a: CLIENT TRACKING on REDIRECT $r
                a: GET k
                a: HGETALL h
                b: SET k 1
                b: HSET h f v
                a: CLIENT GETREDIR
                a: CLIENT TRACKINGINFO
                b: FLUSHALL
                """);
    }

    @Test
    void resp3RedirectTargetGetsPushes() {
        run("""
                r: HELLO 3
                a: CLIENT TRACKING on REDIRECT $r
                a: GET k
                b: SET k 1
                a: GET k
                b: FLUSHDB
                """);
    }

    @Test
    void bcastSendsTheChangedKeysOfEachPrefix() {
        run("""
                a: HELLO 3
                a: CLIENT TRACKING on BCAST PREFIX user: PREFIX obj:
                b: SET user:1 x
                b: MSET user:2 a obj:9 b other c
                b: SET other2 d
                a: CLIENT TRACKINGINFO
                a: SET user:3 mine
                c: HELLO 3
                c: CLIENT TRACKING on BCAST
                b: SET anything 1
                a: CLIENT TRACKING on BCAST NOLOOP PREFIX x:
                a: SET x:1 mine
                b: SET x:2 theirs
                a: CLIENT TRACKINGINFO
                """);
    }

    @Test
    void optinCachesOnlyAfterCachingYesAndOptoutSkipsAfterCachingNo() {
        run("""
                a: HELLO 3
                a: CLIENT TRACKING on OPTIN
                a: GET x
                b: SET x 1
                a: CLIENT CACHING yes
                a: CLIENT TRACKINGINFO
                a: GET x
                a: GET y
                b: MSET x 2 y 2
                d: HELLO 3
                d: CLIENT TRACKING on OPTOUT
                d: CLIENT CACHING no
                d: GET z
                d: GET w
                b: MSET z 1 w 1
                d: CLIENT TRACKINGINFO
                """);
    }

    @Test
    void transactionsAndFlushesSendInvalidationsAfterTheReply() {
        run("""
                a: HELLO 3
                a: CLIENT TRACKING on
                a: GET k
                a: MULTI
                a: GET k
                a: SET k 1
                a: INCR n
                a: EXEC
                a: GET k
                a: GET n
                a: FLUSHALL
                a: GET k
                b: FLUSHDB
                """);
    }

    @Test
    void brokenRedirectIsReportedToTheTrackingClient() {
        run("""
                r: HELLO 3
                a: HELLO 3
                a: CLIENT TRACKING on REDIRECT $r
                a: GET k
                r: QUIT
                b: SET k 1
                a: CLIENT TRACKINGINFO
                """);
    }

    @Test
    void trackingErrorsAreRedisErrors() {
        run("""
                a: CLIENT TRACKING
                a: CLIENT TRACKING maybe
                a: CLIENT TRACKING on PREFIX a
                a: CLIENT TRACKING on BCAST OPTIN
                a: CLIENT TRACKING on OPTIN OPTOUT
                a: CLIENT TRACKING on REDIRECT 999999
                a: CLIENT TRACKING on REDIRECT x
                a: CLIENT TRACKING on REDIRECT $a REDIRECT $a
                a: CLIENT TRACKING on BCAST PREFIX ab PREFIX a
                a: CLIENT TRACKING on BOGUS
                a: CLIENT CACHING yes
                a: CLIENT TRACKING on
                a: CLIENT CACHING yes
                a: CLIENT CACHING no
                a: CLIENT CACHING maybe
                a: CLIENT TRACKING on BCAST
                a: CLIENT TRACKING off
                a: CLIENT TRACKING on OPTIN
                a: CLIENT TRACKING on OPTOUT
                a: CLIENT TRACKING off
                a: CLIENT TRACKING on BCAST PREFIX ab
                a: CLIENT TRACKING on BCAST PREFIX a
                a: CLIENT TRACKING on BCAST PREFIX cd
                a: CLIENT TRACKINGINFO
                a: CLIENT GETREDIR
                a: CLIENT GETREDIR extra
                a: RESET
                a: CLIENT TRACKINGINFO
                """);
    }

    @Test
    void trackingTableIsKeptUnderItsLimit() {
        for (Server s : servers()) {
            try (RespClient a = s.client(); RespClient b = s.client()) {
                b.call("CONFIG", "SET", "tracking-table-max-keys", "10");
                a.call("HELLO", "3");
                a.call("CLIENT", "TRACKING", "on");
                for (int i = 0; i < 50; i++) a.call("GET", "key:" + i);
                b.call("PING");
                String info = String.valueOf(b.value("INFO", "stats"));
                long keys = Long.parseLong(info.replaceAll("(?s).*tracking_total_keys:(\\d+).*", "$1"));
                assertThat(keys).as(s.name).isLessThanOrEqualTo(11);
                String clients = String.valueOf(b.value("INFO", "clients"));
                assertThat(clients).as(s.name).contains("tracking_clients:1");
                b.call("CONFIG", "SET", "tracking-table-max-keys", "1000000");
            }
        }
    }

    /* ---------------- the scenario runner ---------------- */

    private record Server(String name, java.util.function.Supplier<RespClient> connect) {
        RespClient client() {
            return connect.get();
        }
    }

    private static List<Server> servers() {
        return List.of(new Server("redis", redis::client), new Server("magpie", magpie::client));
    }

    private static void run(String scenario) {
        String expected = transcript(servers().get(0), scenario);
        String actual = transcript(servers().get(1), scenario);
        assertThat(actual).isEqualTo(expected);
    }

    /** Runs the scenario on one server; returns every step's bytes, per connection, readable. */
    private static String transcript(Server server, String scenario) {
        Map<String, RespClient> conns = new java.util.LinkedHashMap<>();
        Map<String, String> ids = new HashMap<>();
        java.util.Set<String> inMulti = new java.util.HashSet<>();
        StringBuilder out = new StringBuilder();
        try (RespClient admin = server.client()) {
            admin.call("FLUSHALL");
            for (String line : scenario.strip().split("\n")) {
                int colon = line.indexOf(':');
                String name = line.substring(0, colon).strip();
                String command = line.substring(colon + 1).strip();
                RespClient c = conns.computeIfAbsent(name, n -> {
                    RespClient nc = server.client();
                    ids.put(n, String.valueOf(nc.value("CLIENT", "ID")));
                    return nc;
                });
                for (var id : ids.entrySet()) command = command.replace("$" + id.getKey(), id.getValue());
                out.append(name).append("> ").append(line.substring(colon + 1).strip()).append('\n');
                c.send(ArgSplitter.split(command.getBytes(StandardCharsets.UTF_8)));
                out.append("  ").append(readUntilReply(c)).append('\n');
                if (command.equalsIgnoreCase("QUIT")) {
                    conns.remove(name).close();
                }
                // A connection inside MULTI would queue the PING: it is drained after EXEC.
                if (command.equalsIgnoreCase("MULTI")) inMulti.add(name);
                if (command.equalsIgnoreCase("EXEC") || command.equalsIgnoreCase("DISCARD")) inMulti.remove(name);
                for (var e : conns.entrySet()) {
                    if (inMulti.contains(e.getKey())) continue;
                    e.getValue().send("PING");
                    String drained = readUntilPong(e.getValue());
                    if (!drained.isEmpty()) out.append("  ").append(e.getKey()).append(" got ").append(drained).append('\n');
                }
            }
        } finally {
            for (RespClient c : conns.values()) c.close();
        }
        String text = out.toString();
        // Client ids differ between the servers: name them by connection where a reply shows one.
        for (var id : ids.entrySet()) {
            String v = ":" + id.getValue() + "\r\n", name = ":$" + id.getKey() + "\r\n";
            for (String before : new String[] {"  ", "id\r\n", "redirect\r\n", "tracking-redir-broken\r\n"}) {
                text = text.replace(before + v, before + name);
            }
        }
        return text.replace("\r\n", "\\r\\n");
    }

    /** The command's reply, with any pushes before it. */
    private static String readUntilReply(RespClient c) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            RespClient.Reply r = c.read();
            sb.append(new String(r.raw(), StandardCharsets.ISO_8859_1));
            if (!(r.value() instanceof RespClient.Push)) return sb.toString();
        }
    }

    /** Everything before the PING's reply (+PONG, or RESP2 Pub/Sub's [pong, ""]). */
    private static String readUntilPong(RespClient c) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            RespClient.Reply r = c.read();
            Object v = r.value();
            if (v instanceof RespClient.Status s && s.text().equals("PONG")) return sb.toString();
            if (v instanceof List<?> l && l.size() == 2 && "pong".equals(l.get(0))) return sb.toString();
            sb.append(new String(r.raw(), StandardCharsets.ISO_8859_1));
        }
    }
}

package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What SLOWLOG, MONITOR and the replication stream show of a command, compared with
 * redis-server: the command as the client sent it (GEOADD, not the ZADD it ran as), passwords
 * redacted as Redis redacts them, and RESTORE's relative TTL propagated as an absolute time
 * with ABSTTL.
 */
class CommandLogsDifferentialTest extends AgainstRealRedis {
    /** Commands whose logged form matters; run in order on both servers. */
    private static final String[][] COMMANDS = {
        {"GEOADD", "g", "13.361389", "38.115556", "Palermo"},
        {"AUTH", "nopass"},
        {"AUTH", "someuser", "pw"},
        {"HELLO", "2", "AUTH", "default", "pw", "SETNAME", "me"},
        {"CONFIG", "SET", "masterauth", "secret", "maxmemory-samples", "5"},
        {"CONFIG", "SET", "nosuch", "x", "masterauth", "secret2"},
        {"ACL", "SETUSER", "logbob", "on", ">secret3", "~*", "&*", "+@all"},
        {"AUTH", "logbob", "secret3"},
        {"SET", "k", "v"},
    };

    private static List<String> slowlogArgv(RespClient c) {
        List<String> shown = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<List<Object>> entries = (List<List<Object>>) c.value("SLOWLOG", "GET", "-1");
        for (List<Object> e : entries) shown.add(String.valueOf(e.get(3)));
        return shown;
    }

    @Test
    void slowlogShowsTheCommandAsSentWithPasswordsRedacted() {
        List<List<String>> logs = new ArrayList<>();
        for (RespClient c : new RespClient[] {redis.client(), magpie.client()}) {
            try (c) {
                c.call("CONFIG", "SET", "slowlog-log-slower-than", "0");
                c.call("SLOWLOG", "RESET");
                for (String[] cmd : COMMANDS) c.call(cmd);
                c.call("CONFIG", "SET", "masterauth", "");
                c.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
                List<String> shown = slowlogArgv(c);
                shown.removeIf(s -> s.contains("10000")); // logged only if it took 10 ms
                logs.add(shown);
            }
        }
        assertThat(logs.get(1)).isEqualTo(logs.get(0));
        assertThat(String.join(" ", logs.get(0))).contains("[GEOADD,").doesNotContain("secret").doesNotContain("pw");
    }

    @Test
    void monitorShowsTheCommandAsSentWithPasswordsRedacted() {
        List<List<String>> seen = new ArrayList<>();
        for (int port : new int[] {redis.port(), magpie.port()}) {
            try (RespClient monitor = new RespClient(port); RespClient c = new RespClient(port)) {
                monitor.setTimeout(10_000);
                monitor.call("MONITOR");
                for (String[] cmd : COMMANDS) c.call(cmd);
                c.call("SELECT", "3");
                c.call("ECHO", "end");
                c.call("SELECT", "0");
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String line = String.valueOf(monitor.read().value());
                    String withoutTimeAndAddr = line.replaceFirst("^\\d+\\.\\d+ \\[(\\d+) [^\\]]*\\]", "[$1]");
                    lines.add(withoutTimeAndAddr);
                    if (line.endsWith("\"ECHO\" \"end\"")) break;
                }
                seen.add(lines);
            }
        }
        assertThat(seen.get(1)).isEqualTo(seen.get(0));
        assertThat(seen.get(0)).contains("[0] \"AUTH\" \"(redacted)\" \"(redacted)\"", "[3] \"ECHO\" \"end\"");
    }

    @Test
    void restoreWithATtlIsPropagatedWithAnAbsoluteTimeAndAbsttl() throws Exception {
        List<List<String>> propagated = new ArrayList<>();
        for (int port : new int[] {redis.port(), magpie.port()}) {
            try (RespClient c = new RespClient(port); Socket replica = new Socket("127.0.0.1", port)) {
                c.call("SET", "src", "value");
                String payload = (String) c.value("DUMP", "src");
                replica.setSoTimeout(20_000);
                DataInputStream in = new DataInputStream(new BufferedInputStream(replica.getInputStream()));
                replica.getOutputStream().write(RespClient.encode(RespClient.args("PSYNC", "?", "-1")));
                assertThat(line(in)).startsWith("+FULLRESYNC");
                String bulk;
                while ((bulk = line(in)).isEmpty()) { } // newlines keep the link alive while the RDB is made
                in.readNBytes(Integer.parseInt(bulk.substring(1)));
                long before = System.currentTimeMillis();
                byte[][] restore = {"RESTORE".getBytes(), "dst".getBytes(), "100000".getBytes(),
                        payload.getBytes(StandardCharsets.ISO_8859_1)};
                assertThat(String.valueOf(c.call(restore).value())).isEqualTo("OK");
                restore[1] = "dst2".getBytes();
                restore[2] = "0".getBytes();
                assertThat(String.valueOf(c.call(restore).value())).isEqualTo("OK");
                long after = System.currentTimeMillis();
                List<String> commands = new ArrayList<>();
                for (int i = 0; i < 20 && commands.stream().noneMatch(s -> s.contains("dst2")); i++) {
                    List<String> cmd = command(in);
                    if (cmd.get(0).equalsIgnoreCase("PING")) continue;
                    // The absolute time is the only thing that may differ: check its range, then mask it.
                    if (cmd.get(1).equals("dst")) {
                        long at = Long.parseLong(cmd.get(2));
                        assertThat(at).as("port " + port).isBetween(before + 100000, after + 100000);
                        cmd.set(2, "<unix-ms>");
                    }
                    cmd.replaceAll(s -> s.equals(payload) ? "<payload>" : s);
                    commands.add(String.join(" ", cmd));
                }
                propagated.add(commands);
                c.call("DEL", "src", "dst", "dst2");
            }
        }
        assertThat(propagated.get(1)).isEqualTo(propagated.get(0));
        assertThat(propagated.get(0)).contains("RESTORE dst <unix-ms> <payload> ABSTTL");
    }

    private static String line(DataInputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) throw new IOException("closed");
            if (b != '\r') sb.append((char) b);
        }
        return sb.toString();
    }

    private static List<String> command(DataInputStream in) throws IOException {
        String head = line(in);
        assertThat(head).startsWith("*");
        List<String> args = new ArrayList<>();
        for (int i = Integer.parseInt(head.substring(1)); i > 0; i--) {
            int len = Integer.parseInt(line(in).substring(1));
            args.add(new String(in.readNBytes(len), StandardCharsets.ISO_8859_1));
            in.readNBytes(2);
        }
        return args;
    }
}

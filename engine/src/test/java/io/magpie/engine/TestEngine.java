package io.magpie.engine;

import io.magpie.engine.config.Config;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An engine on a manual clock with detached clients, for tests without a network. Replies
 * are decoded from each client's output buffer: Status, Err, Long, String (ISO-8859-1),
 * List, Push, null.
 */
public final class TestEngine {
    public record Status(String text) {}
    public record Err(String text) {}
    public record Push(List<Object> items) {}

    /** A clock that moves only when told. */
    public static final class ManualClock implements Clock {
        public long millis = 1_700_000_000_000L;

        @Override public long millis() {
            return millis;
        }

        @Override public long nanos() {
            return millis * 1_000_000L;
        }
    }

    public final ManualClock clock = new ManualClock();
    public final Engine engine;

    public TestEngine() {
        engine = new Engine(new Config(), clock, 42);
        engine.start();
    }

    public Client client() {
        Client c = Client.detached(engine);
        engine.addClient(c);
        return c;
    }

    public Client client(int resp) {
        Client c = client();
        c.setResp(resp);
        return c;
    }

    /** Runs a command and returns every reply or push it produced for c, in order. */
    public List<Object> run(Client c, String... args) {
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        engine.execute(c, argv);
        return drain(c);
    }

    /** Runs a command that answers with exactly one reply and returns it. */
    public Object call(Client c, String... args) {
        List<Object> r = run(c, args);
        if (r.size() != 1) throw new AssertionError("expected one reply to " + String.join(" ", args) + ", got " + r);
        return r.get(0);
    }

    /** Decodes and consumes what the client's buffer holds. */
    public static List<Object> drain(Client c) {
        ByteBuf out = c.output();
        List<Object> replies = new ArrayList<>();
        while (out.isReadable()) replies.add(read(out));
        out.clear();
        return replies;
    }

    /** Raw bytes the client received, consumed (for exact protocol checks). */
    public static String drainRaw(Client c) {
        ByteBuf out = c.output();
        String s = out.toString(StandardCharsets.ISO_8859_1);
        out.clear();
        return s;
    }

    private static Object read(ByteBuf in) {
        String line = line(in);
        char t = line.charAt(0);
        String rest = line.substring(1);
        switch (t) {
            case '+': return new Status(rest);
            case '-': return new Err(rest);
            case ':': return Long.parseLong(rest);
            case '_': return null;
            case '#': return rest.equals("t");
            case ',': return Double.parseDouble(rest);
            case '$': {
                int n = Integer.parseInt(rest);
                if (n < 0) return null;
                String s = in.readCharSequence(n, StandardCharsets.ISO_8859_1).toString();
                in.skipBytes(2);
                return s;
            }
            case '*': case '>': case '~': case '%': {
                int n = Integer.parseInt(rest);
                if (n < 0) return null;
                if (t == '%') n *= 2;
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) items.add(read(in));
                return t == '>' ? new Push(items) : items;
            }
            default: throw new AssertionError("unexpected reply line " + line);
        }
    }

    private static String line(ByteBuf in) {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.readByte();
            if (b == '\r') {
                in.readByte();
                return sb.toString();
            }
            sb.append((char) (b & 0xff));
        }
    }

    public static Status ok() {
        return new Status("OK");
    }
}

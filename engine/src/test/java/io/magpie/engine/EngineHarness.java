package io.magpie.engine;

import io.magpie.engine.config.Config;
import io.magpie.protocol.RespClient;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An engine with a manual clock and detached clients, for unit tests without a network:
 * run a command, get its reply decoded by the protocol test-jar's {@link RespClient}, and
 * see what the engine propagated. Reusable by every command family's tests.
 */
public final class EngineHarness {
    /** A clock tests move by hand; nanos advance with millis. */
    public static final class ManualClock implements Clock {
        public long millis;

        public ManualClock(long millis) {
            this.millis = millis;
        }

        @Override public long millis() {
            return millis;
        }

        @Override public long nanos() {
            return millis * 1_000_000L;
        }

        public void advance(long ms) {
            millis += ms;
        }
    }

    public final ManualClock clock;
    public final Engine engine;
    public final Client client;
    /** Every propagated write, as "db:ARG ARG ..." strings, in order. */
    public final List<String> propagated = new ArrayList<>();

    public EngineHarness() {
        this(1_700_000_000_000L, 42);
    }

    public EngineHarness(long startMillis, long seed) {
        this(new Config(), startMillis, seed);
    }

    /** With a registry the test prepared (e.g. server parameters the engine reads by name). */
    public EngineHarness(Config registry, long startMillis, long seed) {
        clock = new ManualClock(startMillis);
        engine = new Engine(registry, clock, seed);
        engine.start();
        engine.writes.addListener((db, argv) -> {
            StringBuilder sb = new StringBuilder().append(db).append(':');
            for (int i = 0; i < argv.length; i++) {
                if (i > 0) sb.append(' ');
                sb.append(new String(argv[i], StandardCharsets.ISO_8859_1));
            }
            propagated.add(sb.toString());
        });
        client = newClient();
    }

    public Client newClient() {
        Client c = Client.detached(engine);
        engine.addClient(c);
        return c;
    }

    /** Runs a command on the default client and returns its single reply. */
    public RespClient.Reply call(String... args) {
        return call(client, args);
    }

    public RespClient.Reply call(Client c, String... args) {
        List<RespClient.Reply> replies = callAll(c, args);
        if (replies.size() != 1) throw new AssertionError("expected one reply, got " + replies.size() + ": " + replies);
        return replies.get(0);
    }

    /** Runs a command and returns every reply it produced (pub/sub pushes included). */
    public List<RespClient.Reply> callAll(Client c, String... args) {
        byte[][] argv = RespClient.args(args);
        engine.execute(c, argv);
        return drain(c);
    }

    /** The value of the reply (Status, Err, Long, String, List, null...). */
    public Object value(String... args) {
        return call(args).value();
    }

    /** The value of c's single reply to a command. */
    public Object value(Client c, String... args) {
        return call(c, args).value();
    }

    /** The values of every reply and push a command produced for c, in order. */
    public List<Object> values(Client c, String... args) {
        return valuesOf(callAll(c, args));
    }

    /** The values of what c has been sent so far (pushes from other clients' commands), cleared. */
    public static List<Object> drainValues(Client c) {
        return valuesOf(drain(c));
    }

    /** The exact RESP text c has been sent so far, cleared. */
    public static String drainText(Client c) {
        StringBuilder sb = new StringBuilder();
        for (RespClient.Reply r : drain(c)) sb.append(r.text());
        return sb.toString();
    }

    private static List<Object> valuesOf(List<RespClient.Reply> replies) {
        List<Object> out = new ArrayList<>(replies.size());
        for (RespClient.Reply r : replies) out.add(r.value());
        return out;
    }

    /** A new client speaking the given protocol. */
    public Client newClient(int resp) {
        Client c = newClient();
        c.setResp(resp);
        return c;
    }

    /** The reply's exact RESP text. */
    public String text(String... args) {
        return call(args).text();
    }

    /** Decodes and clears what the client has been sent so far. */
    public static List<RespClient.Reply> drain(Client c) {
        ByteBuf out = c.output();
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        out.clear();
        return RespClient.decodeAll(bytes);
    }

    /**
     * Enables every keyspace notification (notify-keyspace-events KEA) and returns a RESP3
     * client subscribed to all keyevent channels; read it with {@link #keyevents}.
     */
    public Client keyeventListener() {
        try {
            engine.config.notifyKeyspaceEvents.set("KEA");
        } catch (io.magpie.engine.config.ConfigException e) {
            throw new IllegalStateException(e);
        }
        Client sub = newClient();
        sub.setResp(3);
        engine.pubsub.psubscribe(sub, "__keyevent@*".getBytes(StandardCharsets.US_ASCII));
        return sub;
    }

    /** Keyevent messages the listener received since the last call, as "event key". */
    public static List<String> keyevents(Client sub) {
        List<String> out = new ArrayList<>();
        for (RespClient.Reply r : drain(sub)) {
            List<Object> items = ((RespClient.Push) r.value()).items();
            String channel = (String) items.get(2);
            out.add(channel.substring(channel.indexOf(':') + 1) + " " + items.get(3));
        }
        return out;
    }

    /** Returns and clears the propagated writes. */
    public List<String> takePropagated() {
        List<String> l = new ArrayList<>(propagated);
        propagated.clear();
        return l;
    }
}

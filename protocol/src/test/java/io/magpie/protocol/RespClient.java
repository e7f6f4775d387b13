package io.magpie.protocol;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately plain blocking RESP client for tests: it sends commands and returns each
 * reply both as its exact bytes (what differential tests compare against real Redis) and
 * as a parsed value (what assertions read). Unlike Jedis/Lettuce it sends anything,
 * malformed input included, and hides nothing the server wrote.
 */
public final class RespClient implements Closeable {
    /** A parsed reply: the exact bytes and the value. */
    public record Reply(byte[] raw, Object value) {
        public String text() {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
    }

    /** A simple-string reply ("+OK"). */
    public record Status(String text) {
        @Override public String toString() { return text; }
    }

    /** An error reply, text without the leading "-". */
    public record Err(String text) {
        @Override public String toString() { return "(error) " + text; }
    }

    /** A RESP3 push (">") message. */
    public record Push(List<Object> items) {}

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RespClient(String host, int port) {
        try {
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(30_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private RespClient(InputStream in) {
        this.socket = null;
        this.in = in;
        this.out = null;
    }

    /** Decodes every reply in bytes (engine tests read a detached client's output this way). */
    public static List<Reply> decodeAll(byte[] bytes) {
        java.io.ByteArrayInputStream stream = new java.io.ByteArrayInputStream(bytes);
        RespClient decoder = new RespClient(stream);
        List<Reply> replies = new ArrayList<>();
        while (stream.available() > 0) replies.add(decoder.read());
        return replies;
    }

    public RespClient(int port) {
        this("127.0.0.1", port);
    }

    public void setTimeout(int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] encode(byte[]... args) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : args) {
            b.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.writeBytes(a);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    public static byte[][] args(String... args) {
        byte[][] b = new byte[args.length][];
        for (int i = 0; i < args.length; i++) b[i] = args[i].getBytes(StandardCharsets.UTF_8);
        return b;
    }

    public void send(byte[]... args) {
        sendRaw(encode(args));
    }

    public void send(String... args) {
        send(args(args));
    }

    public void sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void sendRaw(String s) {
        sendRaw(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    public Reply call(byte[]... args) {
        send(args);
        return read();
    }

    public Reply call(String... args) {
        return call(args(args));
    }

    /** The value of the reply to a command (Status, Err, Long, String, List, Double, Boolean, null). */
    public Object value(String... args) {
        return call(args).value();
    }

    public Reply read() {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try {
            Object v = readValue(raw);
            return new Reply(raw.toByteArray(), v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when the server closed the connection (reads EOF within the timeout). */
    public boolean isClosedByServer() {
        try {
            return in.read() == -1;
        } catch (IOException e) {
            return true;
        }
    }

    private String line(ByteArrayOutputStream raw) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            raw.write(c);
            if (c == '\r') {
                int n = in.read();
                raw.write(n);
                if (n == '\n') return sb.toString();
                sb.append('\r').append((char) n);
            } else {
                sb.append((char) c);
            }
        }
        throw new IOException("connection closed by server");
    }

    private byte[] bytes(ByteArrayOutputStream raw, int n) throws IOException {
        byte[] b = in.readNBytes(n + 2);
        if (b.length < n + 2) throw new IOException("connection closed by server");
        raw.write(b, 0, b.length);
        byte[] v = new byte[n];
        System.arraycopy(b, 0, v, 0, n);
        return v;
    }

    private Object readValue(ByteArrayOutputStream raw) throws IOException {
        String l = line(raw);
        if (l.isEmpty()) throw new IOException("empty reply line");
        char t = l.charAt(0);
        String rest = l.substring(1);
        switch (t) {
            case '+': return new Status(rest);
            case '-': return new Err(rest);
            case ':': return Long.parseLong(rest);
            case '$': {
                int n = Integer.parseInt(rest);
                if (n < 0) return null;
                return new String(bytes(raw, n), StandardCharsets.ISO_8859_1);
            }
            case '=': {
                int n = Integer.parseInt(rest);
                return new String(bytes(raw, n), StandardCharsets.ISO_8859_1).substring(4);
            }
            case '(': return new java.math.BigInteger(rest);
            case '_': return null;
            case ',': return rest.equals("inf") ? Double.POSITIVE_INFINITY : rest.equals("-inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(rest);
            case '#': return rest.equals("t");
            case '*': case '~': case '>': case '%': {
                int n = Integer.parseInt(rest);
                if (n < 0) return null;
                if (t == '%') n *= 2;
                List<Object> items = new ArrayList<>(n);
                for (int i = 0; i < n; i++) items.add(readValue(raw));
                return t == '>' ? new Push(items) : items;
            }
            default: throw new IOException("unexpected reply type '" + t + "' in line: " + l);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a test socket
        }
    }
}

package io.magpie.server;

import io.magpie.engine.config.ConfigException;
import io.magpie.engine.config.Params;
import io.magpie.engine.EngineConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * client-output-buffer-limit: per class (normal, replica, pubsub) a hard limit, a soft
 * limit and how many seconds the soft limit may be exceeded. A client over its limit is
 * closed instead of growing the server's memory.
 */
public final class OutputBufferLimit extends EngineConfig.Custom {
    public enum ClientClass { NORMAL, REPLICA, PUBSUB }

    public final long[] hard = {0, 256L << 20, 32L << 20};
    public final long[] soft = {0, 64L << 20, 8L << 20};
    public final long[] softSeconds = {0, 60, 60};
    private final String defaultText;

    public OutputBufferLimit() {
        super("client-output-buffer-limit");
        defaultText = get();
    }

    @Override public String get() {
        return "normal " + hard[0] + " " + soft[0] + " " + softSeconds[0]
                + " slave " + hard[1] + " " + soft[1] + " " + softSeconds[1]
                + " pubsub " + hard[2] + " " + soft[2] + " " + softSeconds[2];
    }

    @Override public String defaultValue() {
        return defaultText;
    }

    @Override public void setFromConfigFile(List<String> words) throws ConfigException {
        // One quoted argument ("--client-output-buffer-limit 'normal 0 0 0'") holds all the words.
        if (words.size() == 1) parseAndSet(words.get(0));
        else parseAndSetWords(words);
    }

    @Override protected void parseAndSet(String value) throws ConfigException {
        List<String> words = new ArrayList<>();
        for (String w : value.trim().split("\\s+")) if (!w.isEmpty()) words.add(w);
        parseAndSetWords(words);
    }

    private void parseAndSetWords(List<String> w) throws ConfigException {
        if (w.isEmpty() || w.size() % 4 != 0) throw error("Wrong number of arguments in buffer limit configuration.");
        long[][] parsed = new long[w.size() / 4][];
        int[] classes = new int[w.size() / 4];
        for (int i = 0; i < w.size(); i += 4) {
            int cls = switch (w.get(i).toLowerCase(Locale.ROOT)) {
                case "normal" -> 0;
                case "slave", "replica" -> 1;
                case "pubsub" -> 2;
                default -> throw error("Invalid client class specified in buffer limit configuration.");
            };
            long h = Params.parseMemory(w.get(i + 1)), s = Params.parseMemory(w.get(i + 2));
            long secs;
            try {
                secs = Long.parseLong(w.get(i + 3));
            } catch (NumberFormatException e) {
                secs = -1;
            }
            if (h == Long.MIN_VALUE || s == Long.MIN_VALUE || secs < 0) {
                throw error("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
            }
            classes[i / 4] = cls;
            parsed[i / 4] = new long[] {h, s, secs};
        }
        for (int i = 0; i < classes.length; i++) {
            hard[classes[i]] = parsed[i][0];
            soft[classes[i]] = parsed[i][1];
            softSeconds[classes[i]] = parsed[i][2];
        }
    }
}

package io.magpie.persistence;

import io.magpie.engine.EngineConfig;
import io.magpie.engine.config.ConfigException;
import java.util.ArrayList;
import java.util.List;

/**
 * The save parameter: pairs of "seconds changes" rules (BGSAVE after that many seconds if
 * at least that many changes), "" for none. In redis.conf, the first save line replaces
 * the defaults and later lines add rules, as Redis 7.0.
 */
public final class SaveParam extends EngineConfig.Custom {
    /** One rule: save after seconds if at least changes writes happened. */
    public record Rule(long seconds, long changes) {}

    private static final String DEFAULT = "3600 1 300 100 60 10000";
    private List<Rule> rules;
    private boolean fileLinesSeen;

    public SaveParam() {
        super("save");
        try {
            rules = parse(DEFAULT);
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    public List<Rule> rules() {
        return rules;
    }

    private static List<Rule> parse(String value) throws ConfigException {
        String[] w = value.trim().isEmpty() ? new String[0] : value.trim().split("\\s+");
        if (w.length % 2 != 0) throw error("Invalid save parameters");
        List<Rule> l = new ArrayList<>();
        for (int i = 0; i < w.length; i += 2) {
            try {
                long s = Long.parseLong(w[i]), c = Long.parseLong(w[i + 1]);
                if (s < 1 || c < 0) throw error("Invalid save parameters"); // setConfigSaveOption: seconds >= 1
                l.add(new Rule(s, c));
            } catch (NumberFormatException e) {
                throw error("Invalid save parameters");
            }
        }
        return List.copyOf(l);
    }

    @Override public String get() {
        StringBuilder sb = new StringBuilder();
        for (Rule r : rules) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(r.seconds).append(' ').append(r.changes);
        }
        return sb.toString();
    }

    @Override public String defaultValue() {
        return DEFAULT;
    }

    @Override public void setFromConfigFile(List<String> words) throws ConfigException {
        List<Rule> add = parse(String.join(" ", words));
        boolean reset = words.size() == 1 && words.get(0).isEmpty(); // save "": no rules, including earlier lines'
        List<Rule> base = fileLinesSeen && !reset ? new ArrayList<>(rules) : new ArrayList<>();
        fileLinesSeen = true;
        base.addAll(add);
        rules = List.copyOf(base);
    }

    @Override protected void parseAndSet(String value) throws ConfigException {
        rules = parse(value);
    }
}

package io.magpie.engine.config;

import io.magpie.protocol.Glob;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The registry of configuration parameters. Each module registers the parameters it reads
 * (the engine its encoding thresholds, the server its port and limits...) and keeps the
 * typed Param objects to read values on its hot paths; CONFIG GET/SET and redis.conf
 * loading go through the registry by name.
 */
public final class Config {
    private final Map<String, Param> byName = new LinkedHashMap<>();
    private final Map<String, Param> canonical = new LinkedHashMap<>();
    /** The config file's "user name rules..." lines, for ACL to load at startup (not a CONFIG parameter). */
    public final java.util.List<java.util.List<String>> userDirectives = new java.util.ArrayList<>();
    /** rename-command FROM TO, applied to the command table as the file is read; returns Redis's error or null. */
    public java.util.function.BiFunction<String, String, String> commandRenamer;
    /** The "user" lines CONFIG REWRITE writes (none with an aclfile); null leaves the file's user lines alone. */
    public java.util.function.Supplier<java.util.List<String>> userRewriteLines;

    public <P extends Param> P register(P p) {
        Param placeholder = byName.get(p.name());
        if (placeholder != null && placeholder.isInert() && !p.isInert()) {
            byName.values().removeIf(q -> q == placeholder);
            canonical.values().removeIf(q -> q == placeholder);
        }
        if (byName.putIfAbsent(p.name(), p) != null) throw new IllegalStateException("duplicate config " + p.name());
        canonical.put(p.name(), p);
        for (String a : p.aliases()) byName.put(a, p);
        return p;
    }

    /** The parameter for a name or alias (case-insensitive), or null. */
    public Param find(String name) {
        return byName.get(name.toLowerCase(Locale.ROOT));
    }

    public Collection<Param> all() {
        return canonical.values();
    }

    /**
     * CONFIG GET's matching: every parameter (and alias) whose name matches one of the
     * glob patterns, each once, in registration order.
     */
    public Map<String, String> matching(List<String> patterns) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pattern : patterns) {
            byte[] p = pattern.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
            boolean glob = pattern.indexOf('*') >= 0 || pattern.indexOf('?') >= 0 || pattern.indexOf('[') >= 0;
            if (!glob) {
                Param exact = find(pattern);
                if (exact != null) out.putIfAbsent(pattern.toLowerCase(Locale.ROOT), exact.get());
                continue;
            }
            for (Map.Entry<String, Param> e : byName.entrySet()) {
                if (e.getValue().isHidden()) continue;
                if (Glob.match(p, e.getKey().getBytes(StandardCharsets.UTF_8), true)) out.putIfAbsent(e.getKey(), e.getValue().get());
            }
        }
        return out;
    }

    /** Names of parameters whose value differs from the default (for CONFIG REWRITE). */
    public List<Param> changed() {
        List<Param> l = new ArrayList<>();
        for (Param p : canonical.values()) if (!p.get().equals(p.defaultValue())) l.add(p);
        return l;
    }
}

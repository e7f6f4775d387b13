package io.magpie.engine.config;

import java.util.List;

/**
 * One configuration parameter, declared by the module that uses it. It parses and
 * validates text as Redis does for CONFIG SET and redis.conf, holds the current value,
 * and renders it back for CONFIG GET and CONFIG REWRITE.
 */
public abstract class Param {
    private final String name;
    private final List<String> aliases;
    private boolean immutable;
    private boolean sensitive;
    private boolean hidden;
    private boolean inert;
    private Runnable onChange = () -> {};
    private Runnable apply;

    protected Param(String name, String... aliases) {
        this.name = name;
        this.aliases = List.of(aliases);
    }

    public final String name() {
        return name;
    }

    public final List<String> aliases() {
        return aliases;
    }

    /** Cannot be changed with CONFIG SET once the server runs (e.g. databases, daemonize). */
    public final Param immutable() {
        this.immutable = true;
        return this;
    }

    public final boolean isImmutable() {
        return immutable;
    }

    /** Hidden from logs (passwords). */
    public final Param sensitive() {
        this.sensitive = true;
        return this;
    }

    public final boolean isSensitive() {
        return sensitive;
    }

    /** Redis's HIDDEN_CONFIG: a test knob, settable and readable by name but not listed by a CONFIG GET pattern. */
    public final Param hidden() {
        this.hidden = true;
        return this;
    }

    public final boolean isHidden() {
        return hidden;
    }

    /**
     * Accepted for compatibility with Redis's configuration but without effect on the JVM
     * (jemalloc, THP, process title...). A module that later implements the parameter
     * registers its own and replaces this one.
     */
    public final Param inert() {
        this.inert = true;
        return this;
    }

    public final boolean isInert() {
        return inert;
    }

    /** Runs after every successful set, to apply side effects (resize a buffer, rebind...). */
    public final Param onChange(Runnable hook) {
        this.onChange = hook;
        return this;
    }

    /**
     * Redis's apply function: run once after a CONFIG SET has set all its parameters, shared
     * by the parameters that take effect together (a certificate and its key); a failure
     * (a RuntimeException with the reason) restores every value the CONFIG SET changed.
     */
    public final Param apply(Runnable fn) {
        this.apply = fn;
        return this;
    }

    public final Runnable applyFunction() {
        return apply;
    }

    /** The value as CONFIG GET shows it. */
    public abstract String get();

    /** The value as CONFIG GET showed it at start (for CONFIG REWRITE to skip defaults). */
    public abstract String defaultValue();

    /** Sets from text: one argument for CONFIG SET, one or more words from redis.conf. */
    public final void set(String value) throws ConfigException {
        parseAndSet(value);
        onChange.run();
    }

    /**
     * Sets from the words of a redis.conf line (after the name). Most parameters take exactly
     * one word; multi-word ones (save, client-output-buffer-limit, bind) override this.
     */
    public void setFromConfigFile(List<String> words) throws ConfigException {
        if (words.size() != 1) throw new ConfigException("wrong number of arguments");
        set(words.get(0));
    }

    protected abstract void parseAndSet(String value) throws ConfigException;
}

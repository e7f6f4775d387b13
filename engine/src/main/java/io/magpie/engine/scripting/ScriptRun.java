package io.magpie.engine.scripting;

import io.magpie.engine.Client;

/**
 * The script or function now running (Redis's scriptRunCtx): who called it, what it may
 * do (its flags), what it did (wrote or not), and whether someone asked to kill it.
 */
final class ScriptRun {
    /** Shebang and function flags (SCRIPT_FLAG_* in Redis). */
    static final int NO_WRITES = 1, ALLOW_OOM = 2, ALLOW_STALE = 4, NO_CLUSTER = 8, ALLOW_CROSS_SLOT = 16, EVAL_COMPAT = 32;

    final Client caller;
    /** The sha of an EVAL script or the name of a function, as error replies name it. */
    final String name;
    final boolean isFunction;
    final int flags;
    final boolean readOnly;
    final long startNanos;
    /** The protocol of replies redis.call hands the script (redis.setresp). */
    int resp = 2;
    boolean wrote;
    /** In cluster mode, the slot of the keys the script touched (declared or not); -1 none, -2 not known yet. */
    int slot = -2;
    /** Over maxmemory when it started, without allow-oom: its deny-oom commands fail. */
    boolean oom;
    volatile boolean killRequested;
    /** Past busy-reply-threshold: other clients get BUSY. */
    volatile boolean busy;

    ScriptRun(Client caller, String name, boolean isFunction, int flags, boolean readOnly, long startNanos) {
        this.caller = caller;
        this.name = name;
        this.isFunction = isFunction;
        this.flags = flags;
        this.readOnly = readOnly;
        this.startNanos = startNanos;
    }
}

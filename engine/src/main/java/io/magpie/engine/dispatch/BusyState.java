package io.magpie.engine.dispatch;

/**
 * What the BUSY stage reads, supplied by scripting: a script or function running past its
 * time limit lets through only the commands flagged allow-busy (isInsideYieldingLongCommand).
 */
@FunctionalInterface
public interface BusyState {
    /** Null when no long script runs; otherwise the BUSY error to reply with. */
    String busyError();

    BusyState NONE = () -> null;
}

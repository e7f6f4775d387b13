package io.magpie.engine.dispatch;

/**
 * What the MISCONF stage reads, supplied by persistence: Redis's
 * writeCommandsDeniedByDiskError, with its message.
 */
@FunctionalInterface
public interface DiskErrorState {
    /** Null when writes are allowed; otherwise the MISCONF error (the RDB's or the AOF's). */
    String writesDeniedError();

    DiskErrorState NONE = () -> null;
}

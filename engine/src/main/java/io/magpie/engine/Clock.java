package io.magpie.engine;

/** Time as an input: the server passes the system clock, tests pass a manual one. */
public interface Clock {
    long millis();

    long nanos();

    Clock SYSTEM = new Clock() {
        @Override public long millis() {
            return System.currentTimeMillis();
        }

        @Override public long nanos() {
            return System.nanoTime();
        }
    };
}

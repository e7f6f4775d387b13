package io.magpie.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One backend server as every event loop shares it: its address, its health (consecutive
 * failures, ejection) and its counters for INFO. Its connections belong to the loops
 * ({@link LoopState}), so that a request and its reply stay on one thread.
 */
final class Backend {
    final String host;
    final int port;
    final String address;
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder latencyMicros = new LongAdder();
    /** Requests slower than 1 ms, 10 ms, 100 ms: a coarse latency histogram. */
    final LongAdder over1ms = new LongAdder(), over10ms = new LongAdder(), over100ms = new LongAdder();
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    /** System.nanoTime until which an auto-ejected server stays out of the distribution; 0 when in. */
    volatile long ejectedUntil;
    volatile String lastError = "";

    Backend(String host, int port) {
        this.host = host;
        this.port = port;
        this.address = host + ":" + port;
    }

    void replied(long micros, boolean error) {
        requests.increment();
        latencyMicros.add(micros);
        if (micros >= 1000) over1ms.increment();
        if (micros >= 10_000) over10ms.increment();
        if (micros >= 100_000) over100ms.increment();
        if (error) errors.increment();
        if (consecutiveFailures.get() != 0) consecutiveFailures.set(0); // no volatile store per reply
    }

    /** A connection could not be made or broke; returns the consecutive failure count. */
    int failed(String why) {
        errors.increment();
        lastError = why;
        return consecutiveFailures.incrementAndGet();
    }

    boolean ejected(long now) {
        long until = ejectedUntil;
        return until != 0 && now - until < 0;
    }

    @Override
    public String toString() {
        return address;
    }
}

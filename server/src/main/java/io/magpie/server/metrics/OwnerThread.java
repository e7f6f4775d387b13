package io.magpie.server.metrics;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads state owned by the keyspace thread from the HTTP server's threads: the read runs on
 * the owner, between commands, so a scrape sees one consistent moment and the command path
 * takes no lock. A keyspace thread held longer than the timeout (a long script) fails the
 * scrape rather than hanging it.
 */
public final class OwnerThread {
    private static final long TIMEOUT_MS = 5000;

    private OwnerThread() {}

    public static <T> T read(Executor owner, Callable<T> read) {
        FutureTask<T> task = new FutureTask<>(read);
        owner.execute(task);
        try {
            return task.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the node's figures", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("reading the node's figures failed", e.getCause());
        } catch (TimeoutException e) {
            task.cancel(false);
            throw new IllegalStateException("the keyspace thread did not answer within " + TIMEOUT_MS + " ms");
        }
    }
}

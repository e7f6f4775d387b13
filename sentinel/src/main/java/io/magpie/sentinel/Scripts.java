package io.magpie.sentinel;

import io.magpie.server.Log;
import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The notification and client-reconfig script queue (sentinel.c's script execution): at most
 * 16 running at once, 256 queued, a script exiting with 1 or killed by a signal is retried
 * with a doubling delay up to 10 times, and one running longer than 60 s is killed.
 */
final class Scripts {
    static final int MAX_QUEUE = 256, MAX_RUNNING = 16, MAX_RETRY = 10;

    static final class Job {
        final List<String> argv;
        boolean running;
        int retryNum;
        long startTime;
        Process process;

        Job(List<String> argv) {
            this.argv = argv;
        }

        long pid() {
            return process == null ? 0 : process.pid();
        }
    }

    private final Sentinel sentinel;
    final List<Job> queue = new ArrayList<>();
    int running;

    Scripts(Sentinel sentinel) {
        this.sentinel = sentinel;
    }

    void schedule(String path, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(path);
        argv.addAll(List.of(args));
        queue.add(new Job(argv));
        if (queue.size() > MAX_QUEUE) {
            for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
                if (!it.next().running) {
                    it.remove();
                    break;
                }
            }
        }
    }

    void runPending() {
        long now = Sentinel.now();
        for (Job j : queue) {
            if (running >= MAX_RUNNING) break;
            if (j.running) continue;
            if (j.startTime != 0 && j.startTime > now) continue;
            j.running = true;
            j.startTime = Sentinel.now();
            j.retryNum++;
            try {
                j.process = new ProcessBuilder(j.argv).redirectErrorStream(true).redirectOutput(new File("/dev/null")).start();
                running++;
                sentinel.event(Log.Level.DEBUG, "+script-child", null, "%d", j.process.pid());
            } catch (java.io.IOException e) {
                // exec failure: the child would _exit(2), which is not retried
                sentinel.event(Log.Level.WARNING, "-script-error", null, "%s %d %d", j.argv.get(0), 0, 2);
                j.running = false;
                j.retryNum = MAX_RETRY;
                j.startTime = Long.MAX_VALUE;
            }
        }
        queue.removeIf(j -> !j.running && j.startTime == Long.MAX_VALUE);
    }

    void collectTerminated() {
        for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
            Job j = it.next();
            if (!j.running || j.process.isAlive()) continue;
            int status = j.process.exitValue();
            // The JVM reports death by signal N as 128+N.
            int bySignal = status > 128 ? status - 128 : 0;
            int exitCode = bySignal != 0 ? 0 : status;
            sentinel.event(Log.Level.DEBUG, "-script-child", null, "%d %d %d", j.process.pid(), exitCode, bySignal);
            if ((bySignal != 0 || exitCode == 1) && j.retryNum != MAX_RETRY) {
                j.running = false;
                j.process = null;
                j.startTime = Sentinel.now() + retryDelay(j.retryNum);
            } else {
                if (bySignal != 0 || exitCode != 0) {
                    sentinel.event(Log.Level.WARNING, "-script-error", null, "%s %d %d", j.argv.get(0), bySignal, exitCode);
                }
                it.remove();
            }
            running--;
        }
    }

    private long retryDelay(int retryNum) {
        long delay = sentinel.scriptRetryDelay;
        while (retryNum-- > 1) delay *= 2;
        return delay;
    }

    void killTimedOut() {
        long now = Sentinel.now();
        for (Job j : queue) {
            if (j.running && now - j.startTime > sentinel.scriptMaxRuntime) {
                sentinel.event(Log.Level.WARNING, "-script-timeout", null, "%s %d", j.argv.get(0), j.process.pid());
                j.process.destroyForcibly();
            }
        }
    }
}

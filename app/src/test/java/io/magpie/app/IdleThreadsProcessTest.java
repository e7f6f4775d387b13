package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An idle standalone node's threads, read from the OS (/proc/PID/task/*&#47;comm), as the memory
 * goal of issue 19 counts them: each thread costs a stack and its allocator's buffers, so the
 * Raft, cluster and other modes' pools start with their mode, never in a standalone node.
 */
class IdleThreadsProcessTest {
    /** Thread names of the optional modes: Ratis (its node-id threads, gRPC, pause monitor), cluster, sentinel. */
    private static final Pattern MODE_THREAD = Pattern.compile("(?i).*(raft|ratis|grpc|@group|JvmPauseMonitor|cluster|gossip|sentinel).*");

    @TempDir
    Path dir;

    @Test
    void anIdleStandaloneNodeStartsNoRaftOrClusterThreadsAndOneEventLoop() throws Exception {
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("standalone.log"), "--save", "", "--appendonly", "no", "--dir", dir.toString());
                RespClient c = node.client()) {
            c.value("SET", "k", "v");
            c.value("GET", "k");
            c.value("INFO");
            List<String> threads = threadNames(node.process.pid());
            assertThat(threads).as("threads of an idle standalone node").noneMatch(t -> MODE_THREAD.matcher(t).matches());
            assertThat(threads.stream().filter(t -> t.toLowerCase().contains("eventloop"))).as("Netty event loops in %s", threads).hasSize(1);
            assertThat(threads.stream().filter(t -> t.startsWith("magpie-"))).as("Magpie's own pools in %s", threads).isEmpty();
        }
    }

    /** The check above sees a mode's threads where they run: a one-member Raft group's Ratis threads match. */
    @Test
    void theThreadCheckSeesRaftThreadsWhenRaftIsEnabled() throws Exception {
        int raftPort = RealRedis.freePort();
        try (MagpieProcess node = MagpieProcess.start(dir.resolve("raft.log"), "--dir", dir.toString(), "--raft-enabled", "yes",
                "--raft-id", "n1", "--raft-port", String.valueOf(raftPort), "--raft-members", "n1=127.0.0.1:" + raftPort)) {
            assertThat(threadNames(node.process.pid())).anyMatch(t -> MODE_THREAD.matcher(t).matches());
        }
    }

    /** Each thread's name as the kernel has it (15 characters at most). */
    static List<String> threadNames(long pid) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    names.add(Files.readString(task.resolve("comm")).strip());
                } catch (IOException gone) {
                    // a thread that ended while listing
                }
            }
        }
        return names;
    }
}

package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.magpie.protocol.RespClient;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Blocking list commands with several real clients, run in the same sequence against
 * redis-server and Magpie; every reply of every client must be byte-identical. A step waits
 * until the server reports the expected number of blocked clients before the next one, so
 * arrival order is fixed without timing assumptions.
 */
class BlockingListsTest extends AgainstRealRedis {
    /** One scenario on one server: clients 0..n-1 (0 is the "control" client that never blocks). */
    private static final class Side {
        final List<RespClient> clients = new ArrayList<>();
        final IntSupplier blocked;
        final List<String> transcript = new ArrayList<>();
        final List<String> ids = new ArrayList<>();

        Side(IntSupplier blocked, java.util.function.Supplier<RespClient> factory, int n) {
            this.blocked = blocked;
            for (int i = 0; i < n; i++) clients.add(factory.get());
            clients.get(0).call("SELECT", "9");
            for (int i = 1; i < n; i++) clients.get(i).call("SELECT", "9");
            for (RespClient c : clients) ids.add(String.valueOf(c.value("CLIENT", "ID")));
        }

        void close() {
            for (RespClient c : clients) c.close();
        }
    }

    private static int redisBlocked(RespClient control) {
        String info = String.valueOf(control.value("INFO", "clients"));
        for (String line : info.split("\r\n")) {
            if (line.startsWith("blocked_clients:")) return Integer.parseInt(line.substring(16).trim());
        }
        throw new IllegalStateException("no blocked_clients in INFO");
    }

    /**
     * Runs steps on both servers. A step is "i CMD args" (client i calls and waits for the
     * reply), "i> CMD args" (client i sends without reading), "i<" (client i reads one
     * reply), or "blocked N" (wait until N clients are blocked).
     */
    static void scenario(int nClients, String... steps) {
        RespClient redisInfo = redis.client();
        Side r = new Side(() -> redisBlocked(redisInfo), redis::client, nClients);
        Side m = new Side(() -> magpie.server().engine().blocking.blockedClients(), magpie::client, nClients);
        try {
            for (Side s : new Side[] {r, m}) s.clients.get(0).call("FLUSHALL");
            for (String step : steps) {
                for (Side s : new Side[] {r, m}) run(s, step);
            }
            assertThat(m.transcript).isEqualTo(r.transcript);
        } finally {
            r.close();
            m.close();
            redisInfo.close();
        }
    }

    private static void run(Side s, String step) {
        if (step.startsWith("blocked ")) {
            int want = Integer.parseInt(step.substring(8));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (s.blocked.getAsInt() != want && System.nanoTime() < deadline) sleep(5);
            s.transcript.add(step + " -> " + s.blocked.getAsInt());
            return;
        }
        if (step.startsWith("unblock ")) {
            // "unblock i TIMEOUT|ERROR": the control client unblocks client i by its id.
            String[] a = step.split(" ");
            RespClient.Reply reply = s.clients.get(0).call("CLIENT", "UNBLOCK", s.ids.get(Integer.parseInt(a[1])), a[2]);
            s.transcript.add(step + " -> " + reply.text());
            return;
        }
        if (step.startsWith("sleep ")) {
            sleep(Long.parseLong(step.substring(6)));
            return;
        }
        int sp = step.indexOf(' ');
        String who = sp < 0 ? step : step.substring(0, sp);
        String[] args = sp < 0 ? new String[0] : step.substring(sp + 1).split(" ");
        if (who.endsWith(">")) {
            s.clients.get(Integer.parseInt(who.substring(0, who.length() - 1))).send(args);
        } else if (who.endsWith("<")) {
            RespClient.Reply reply = s.clients.get(Integer.parseInt(who.substring(0, who.length() - 1))).read();
            s.transcript.add(step + " -> " + reply.text());
        } else {
            RespClient.Reply reply = s.clients.get(Integer.parseInt(who)).call(args);
            s.transcript.add(step + " -> " + reply.text());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void waitersAreServedInArrivalOrder() {
        scenario(4, "1> BLPOP k 0", "blocked 1", "2> BLPOP k 0", "blocked 2", "3> BRPOP k other 0", "blocked 3",
                "0 LPUSH k a b c", "1<", "2<", "3<", "blocked 0", "0 EXISTS k");
    }

    @Test
    void aPushOfOneElementServesOnlyTheFirstWaiter() {
        scenario(3, "1> BLPOP k 0", "blocked 1", "2> BLPOP k 0", "blocked 2", "0 RPUSH k x", "1<", "blocked 1",
                "0 RPUSH k y z", "2<", "blocked 0", "0 LRANGE k 0 -1");
    }

    @Test
    void subSecondTimeoutsReplyNull() {
        scenario(3, "1> BLPOP k 0.1", "2> BLMOVE k d LEFT RIGHT 0.1", "1<", "2<", "blocked 0",
                "1 BLMPOP 0.05 2 k k2 LEFT COUNT 2", "1 BRPOPLPUSH k d 0.05", "1 LPUSH k v", "1 BLPOP k 0.1");
    }

    @Test
    void blmoveServedByAPushFeedsTheNextWaiter() {
        scenario(3, "1> BLMOVE src mid RIGHT LEFT 0", "blocked 1", "2> BLPOP mid 0", "blocked 2", "0 RPUSH src a b",
                "1<", "2<", "blocked 0", "0 LRANGE src 0 -1", "0 LRANGE mid 0 -1");
    }

    @Test
    void blmpopServedWithCountAndBrpoplpush() {
        scenario(3, "1> BLMPOP 0 2 a b RIGHT COUNT 3", "blocked 1", "2> BRPOPLPUSH b c 0", "blocked 2",
                "0 RPUSH b 1 2", "1<", "blocked 1", "0 RPUSH b 3", "2<", "0 LRANGE c 0 -1", "0 EXISTS b");
    }

    @Test
    void aKeyRetypedWhileWaitedOnKeepsTheClientBlocked() {
        scenario(2, "1> BLPOP k 0", "blocked 1", "0 SET k string", "0 GET k", "blocked 1", "0 DEL k",
                "0 HSET k f v", "blocked 1", "0 DEL k", "0 RPUSH k x", "1<", "blocked 0");
    }

    @Test
    void aWaiterOfADeletedThenRecreatedListIsServed() {
        scenario(2, "1> BRPOP k 0", "blocked 1", "0 RPUSH other x", "0 DEL k", "blocked 1", "0 LPUSH k a",
                "1<", "0 EXISTS k");
    }

    @Test
    void brpoplpushToAWrongTypeDestination() {
        scenario(2, "0 SET dst string", "1> BRPOPLPUSH src dst 0", "blocked 1", "0 RPUSH src a", "1<", "blocked 0",
                "0 LRANGE src 0 -1", "0 GET dst");
    }

    @Test
    void theSameKeyTwiceAndSeveralKeys() {
        scenario(2, "1> BLPOP k k k2 0", "blocked 1", "0 RPUSH k2 x", "1<", "1> BRPOP k k 0", "blocked 1",
                "0 RPUSH k a b", "1<", "0 LRANGE k 0 -1");
    }

    @Test
    void pipelinedCommandsRunAfterTheClientIsServed() {
        scenario(2, "1> BLPOP k 0", "1> PING", "1> LLEN k", "blocked 1", "0 RPUSH k a b", "1<", "1<", "1<");
    }

    @Test
    void aPushInsideMultiExecWakesWaitersOnlyAfterExec() {
        scenario(2, "1> BLPOP k 0", "blocked 1", "0 MULTI", "0 RPUSH k a b", "0 LPOP k", "0 EXEC", "1<", "blocked 0",
                "0 EXISTS k");
    }

    @Test
    void blockingCommandsInsideMultiDoNotBlock() {
        scenario(1, "0 MULTI", "0 BLPOP k 0", "0 BLMOVE k d LEFT LEFT 0", "0 BRPOPLPUSH k d 0", "0 BLMPOP 0 1 k LEFT",
                "0 EXEC", "0 RPUSH k a", "0 MULTI", "0 BLPOP k 0", "0 EXEC");
    }

    @Test
    void clientUnblockTimeoutAndError() {
        scenario(3, "1> BLPOP k 0", "2> BLMOVE k d LEFT LEFT 0", "blocked 2", "unblock 1 TIMEOUT", "1<",
                "unblock 2 ERROR", "2<", "blocked 0", "unblock 1 TIMEOUT", "1> BRPOP k 0", "blocked 1", "unblock 1 TIMEOUT",
                "1<");
    }

    @Test
    void swapdbAndMoveFeedWaiters() {
        scenario(3, "1> BLPOP k 0", "blocked 1", "0 SELECT 8", "0 RPUSH k a", "0 SWAPDB 8 9", "1<", "blocked 0",
                "2> BRPOP m 0", "blocked 1", "0 RPUSH m x", "0 MOVE m 9", "2<", "blocked 0");
    }
}

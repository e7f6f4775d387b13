package io.magpie.app;

import static io.magpie.app.BlockingListsTest.scenario;

import org.junit.jupiter.api.Test;

/**
 * XREAD BLOCK and XREADGROUP BLOCK with several real clients, run in the same sequence
 * against redis-server and Magpie; every reply of every client must be byte-identical.
 * IDs are explicit so that replies are deterministic.
 */
class BlockingStreamsTest extends AgainstRealRedis {
    @Test
    void xreadBlockIsWokenByAnXaddFromAnotherClientAndEveryReaderGetsTheEntry() {
        scenario(4, "0 XADD s 1-1 a 1", "1> XREAD BLOCK 0 STREAMS s $", "blocked 1", "2> XREAD BLOCK 0 COUNT 5 STREAMS other s 0-0 1-1",
                "blocked 2", "3> XREAD BLOCK 0 STREAMS s 5-0", "blocked 3", "0 XADD s 2-1 b 2", "1<", "2<", "blocked 1",
                "0 XADD s 6-1 c 3", "3<", "blocked 0");
    }

    @Test
    void xreadBlockOnAMissingKeyIsWokenWhenTheStreamIsCreated() {
        scenario(2, "1> XREAD BLOCK 0 STREAMS nokey $", "blocked 1", "0 LPUSH nokey x", "0 DEL nokey", "blocked 1",
                "0 XADD nokey 3-3 f v", "1<", "blocked 0");
    }

    @Test
    void xreadBlockTimesOutWithANullReplyAndCountDefaults() {
        scenario(2, "0 XADD s 1-1 a 1", "1 XREAD BLOCK 50 STREAMS s $", "1 XREAD BLOCK 50 STREAMS s 1-1 $", "1 XREAD BLOCK 50 COUNT 1 STREAMS s 0",
                "1 MULTI", "1 XREAD BLOCK 0 STREAMS s $", "1 EXEC");
    }

    @Test
    void xreadgroupBlockIsWokenByXaddAndDeliversOnlyNewEntriesToOneConsumer() {
        scenario(4, "0 XGROUP CREATE s g $ MKSTREAM", "1> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >", "blocked 1",
                "2> XREADGROUP GROUP g bob BLOCK 0 COUNT 1 STREAMS s >", "blocked 2", "0 XADD s 1-1 a 1", "1<", "blocked 1",
                "0 XADD s 2-1 b 2 c 3", "2<", "blocked 0", "0 XPENDING s g", "3> XREADGROUP GROUP g carol NOACK BLOCK 0 STREAMS s >",
                "blocked 1", "0 XADD s 3-1 d 4", "3<", "0 XPENDING s g", "0 XINFO GROUPS s");
    }

    @Test
    void destroyingTheGroupOrDeletingTheStreamWakesGroupReadersWithAnError() {
        scenario(4, "0 XGROUP CREATE s g $ MKSTREAM", "0 XGROUP CREATE s h $", "1> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >",
                "blocked 1", "2> XREADGROUP GROUP h bob BLOCK 0 STREAMS s >", "blocked 2", "3> XREAD BLOCK 0 STREAMS s $",
                "blocked 3", "0 XGROUP DESTROY s g", "1<", "blocked 2", "0 DEL s", "2<", "blocked 1", "0 XADD s 5-5 x y", "3<",
                "blocked 0");
    }

    @Test
    void overwritingTheStreamWithAnotherTypeWakesGroupReadersWithAnError() {
        scenario(3, "0 XGROUP CREATE s g $ MKSTREAM", "1> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >", "blocked 1",
                "2> XREAD BLOCK 0 STREAMS s $", "blocked 2", "0 SET s x", "1<", "blocked 1", "0 DEL s", "0 XADD s 1-1 a b", "2<");
    }

    @Test
    void flushallWakesGroupReadersButPlainReadersKeepWaiting() {
        scenario(3, "0 XGROUP CREATE s g $ MKSTREAM", "1> XREADGROUP GROUP g alice BLOCK 0 STREAMS s >", "blocked 1",
                "2> XREAD BLOCK 0 STREAMS s $", "blocked 2", "0 FLUSHALL", "1<", "blocked 1", "0 XADD s 2-2 k v", "2<", "blocked 0");
    }

    @Test
    void clientUnblockEndsAStreamWait() {
        scenario(3, "1> XREAD BLOCK 0 STREAMS s $", "blocked 1", "unblock 1 TIMEOUT", "1<", "2> XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
                "2<", "0 XGROUP CREATE s g $ MKSTREAM", "2> XREADGROUP GROUP g c BLOCK 0 STREAMS s >", "blocked 1", "unblock 2 ERROR", "2<");
    }
}

package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * SRANDMEMBER, HRANDFIELD and ZRANDMEMBER with a count (srandmemberWithCountCommand and its
 * hash and zset twins share one shape): a negative count draws that many times with
 * repetitions, a count at least the size returns the whole collection, and a smaller one
 * returns that many distinct elements, chosen uniformly.
 */
final class RandomElements {
    private RandomElements() {}

    /**
     * What the shared shape needs from a collection whose elements are T: its size, one
     * uniform draw, every element in the order Redis returns the whole collection, and
     * every element in a fresh array the caller may reorder.
     */
    record Source<T>(int size, Function<RandomGenerator, T> random, Consumer<Consumer<T>> forEachWhole, Supplier<T[]> toArray) {}

    /** The count argument: any long but LONG_MIN (getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX)). */
    static long parseCount(byte[] arg) {
        long l = Args.parseLong(arg);
        if (l == Long.MIN_VALUE) {
            throw new ReplyException("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807");
        }
        return l;
    }

    /**
     * HRANDFIELD/ZRANDMEMBER key count [option]: true if option (WITHVALUES, WITHSCORES) is
     * given; with it the count must fit twice in a long, as Redis checks.
     */
    static boolean parseWithOption(Client c, long count, String option) {
        if (c.argc > 4 || (c.argc == 4 && !c.argIs(3, option))) throw new ReplyException(Errors.SYNTAX);
        if (c.argc < 4) return false;
        if (count < -Long.MAX_VALUE / 2 || count > Long.MAX_VALUE / 2) throw new ReplyException("ERR value is out of range");
        return true;
    }

    /**
     * Replies count elements of source (null: a missing key). pairs says each element is
     * written as a field/value pair by emit (two entries in RESP2, a nested pair in RESP3).
     */
    static <T> void reply(Client c, long count, Source<T> source, boolean pairs, BiConsumer<Client, T> emit) {
        if (source == null || count == 0) {
            c.addReplyArrayLen(0);
            return;
        }
        int perElement = pairs && c.resp() == 2 ? 2 : 1;
        RandomGenerator random = c.engine.random;
        if (count < 0 || count == 1) {
            // CASE 1: repetitions allowed (or just one), each draw independent.
            long n = count < 0 ? -count : 1;
            c.addReplyArrayLen(n * perElement);
            for (long i = 0; i < n; i++) emit.accept(c, source.random().apply(random));
            return;
        }
        int size = source.size();
        if (count >= size) {
            // CASE 2: the whole collection.
            c.addReplyArrayLen((long) size * perElement);
            source.forEachWhole().accept(e -> emit.accept(c, e));
            return;
        }
        // CASES 3 and 4: count distinct elements, by a partial Fisher-Yates shuffle.
        T[] all = source.toArray().get();
        int n = (int) count;
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(size - i);
            T t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        c.addReplyArrayLen((long) n * perElement);
        for (int i = 0; i < n; i++) emit.accept(c, all[i]);
    }
}

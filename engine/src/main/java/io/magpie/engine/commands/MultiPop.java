package io.magpie.engine.commands;

import io.magpie.engine.Args;
import io.magpie.engine.Client;
import io.magpie.engine.Errors;
import io.magpie.engine.ReplyException;
import java.util.Arrays;

/**
 * The arguments LMPOP, ZMPOP, BLMPOP and BZMPOP share: numkeys key [key ...] WHERE
 * [COUNT count], parsed in Redis's order (lmpopGenericCommand, zmpopGenericCommand).
 *
 * @param first true for the first WHERE word (LEFT, MIN)
 * @param count 1 when COUNT is absent
 */
record MultiPop(byte[][] keys, boolean first, long count) {
    static MultiPop parse(Client c, int numkeysIdx, String firstWhere, String secondWhere) {
        long numkeys = Args.parseAtLeast(c.argv[numkeysIdx], 1, "ERR numkeys should be greater than 0");
        // Compared before adding, so a huge numkeys cannot overflow the index.
        if (numkeys >= c.argc - numkeysIdx - 1) throw new ReplyException(Errors.SYNTAX);
        int whereIdx = numkeysIdx + (int) numkeys + 1;
        boolean first;
        if (c.argIs(whereIdx, firstWhere)) first = true;
        else if (c.argIs(whereIdx, secondWhere)) first = false;
        else throw new ReplyException(Errors.SYNTAX);
        long count = -1;
        for (int j = whereIdx + 1; j < c.argc; j++) {
            if (count == -1 && c.argIs(j, "count") && j + 1 < c.argc) {
                count = Args.parseAtLeast(c.argv[++j], 1, "ERR count should be greater than 0");
            } else {
                throw new ReplyException(Errors.SYNTAX);
            }
        }
        return new MultiPop(Arrays.copyOfRange(c.argv, numkeysIdx + 1, whereIdx), first, count == -1 ? 1 : count);
    }
}

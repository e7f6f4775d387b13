package io.magpie.raft;

import io.magpie.engine.scripting.Scripting;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The bodies of the scripts the log has loaded (SCRIPT LOAD and EVAL entries; SCRIPT FLUSH
 * forgets them), kept alike on every member as entries apply. The leader logs an EVALSHA as
 * EVAL with the body: a member that joined through a snapshot (an RDB, which carries no
 * scripts, as Redis's) runs it all the same, and the reply is the EVALSHA's.
 */
final class RaftScripts {
    private static final byte[] EVAL = "EVAL".getBytes(StandardCharsets.US_ASCII);
    private final Map<String, byte[]> bodies = new HashMap<>();
    private final Scripting scripting;

    RaftScripts(Scripting scripting) {
        this.scripting = scripting;
    }

    /** EVALSHA sha ... as EVAL body ... when the body is known here; any other command as it is. */
    byte[][] evalshaAsEval(byte[][] argv) {
        if (argv.length < 2 || !is(argv[0], "evalsha")) return argv;
        byte[] body = bodies.get(new String(argv[1], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT));
        if (body == null) return argv;
        byte[][] eval = argv.clone();
        eval[0] = EVAL;
        eval[1] = body;
        return eval;
    }

    /** An entry's commands applied: remember the scripts they loaded into the script cache (not those that failed to compile). */
    void applied(List<byte[][]> commands) {
        for (byte[][] argv : commands) {
            if (argv.length >= 2 && is(argv[0], "eval")) {
                remember(argv[1]);
            } else if (argv.length >= 2 && is(argv[0], "script")) {
                if (argv.length == 3 && is(argv[1], "load")) remember(argv[2]);
                else if (is(argv[1], "flush")) bodies.clear();
            }
        }
    }

    private void remember(byte[] body) {
        String sha = Scripting.sha1hex(body);
        if (scripting.scriptExists(sha)) bodies.putIfAbsent(sha, body);
    }

    static boolean is(byte[] arg, String lowerName) {
        return io.magpie.commands.Ascii.equalsIgnoreCase(arg, io.magpie.commands.Ascii.bytes(lowerName));
    }
}

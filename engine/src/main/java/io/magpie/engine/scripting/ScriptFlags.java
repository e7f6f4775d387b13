package io.magpie.engine.scripting;

import io.magpie.engine.ReplyException;

/** The flags a script declares in its `#!lua flags=...` shebang or a function in register_function. */
final class ScriptFlags {
    private ScriptFlags() {}

    static final String[] NAMES = {"no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"};
    static final int[] BITS = {ScriptRun.NO_WRITES, ScriptRun.ALLOW_OOM, ScriptRun.ALLOW_STALE, ScriptRun.NO_CLUSTER, ScriptRun.ALLOW_CROSS_SLOT};

    /** The bit of a flag name, or 0 when unknown. */
    static int bit(String name) {
        for (int i = 0; i < NAMES.length; i++) if (NAMES[i].equals(name)) return BITS[i];
        return 0;
    }

    /**
     * evalExtractShebangFlags: the flags of an EVAL body. A body without a shebang runs in
     * compatibility mode (EVAL_COMPAT: it may write, its flags are not checked upfront).
     */
    static int ofEvalBody(String body) {
        if (!body.startsWith("#!")) return ScriptRun.EVAL_COMPAT;
        int eol = body.indexOf('\n');
        String shebang = eol < 0 ? body : body.substring(0, eol);
        String[] parts = shebang.substring(2).split(" ", -1);
        if (!parts[0].equals("lua")) throw new ReplyException("ERR Unexpected engine in script shebang: #!" + parts[0]);
        int flags = 0;
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) continue;
            if (!p.startsWith("flags=")) throw new ReplyException("ERR Unknown lua shebang option: " + p);
            String list = p.substring(6);
            if (list.isEmpty()) continue;
            for (String f : list.split(",", -1)) {
                int b = bit(f);
                if (b == 0) throw new ReplyException("ERR Unexpected flag in script shebang: " + f);
                flags |= b;
            }
        }
        return flags;
    }
}

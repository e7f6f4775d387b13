package io.magpie.engine;

/** Redis's shared error replies (server.c createSharedObjects), word for word. */
public final class Errors {
    private Errors() {}

    public static final String WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";
    public static final String SYNTAX = "ERR syntax error";
    public static final String NOT_INTEGER = "ERR value is not an integer or out of range";
    public static final String NOT_FLOAT = "ERR value is not a valid float";
    public static final String NO_SUCH_KEY = "ERR no such key";
    public static final String OUT_OF_RANGE = "ERR index out of range";
    public static final String DB_INDEX_OUT_OF_RANGE = "ERR DB index is out of range";
    public static final String OVERFLOW = "ERR increment or decrement would overflow";
    public static final String NOAUTH = "NOAUTH Authentication required.";
    public static final String OOM = "OOM command not allowed when used memory > 'maxmemory'.";
    public static final String EXECABORT = "EXECABORT Transaction discarded because of previous errors.";
    public static final String READONLY = "READONLY You can't write against a read only replica.";
    public static final String LOADING = "LOADING Redis is loading the dataset in memory";
    public static final String BUSYKEY = "BUSYKEY Target key name already exists.";
    public static final String TIMEOUT_NOT_FLOAT = "ERR timeout is not a float or out of range";
    public static final String TIMEOUT_NEGATIVE = "ERR timeout is negative";
    public static final String INVALID_EXPIRE = "ERR invalid expire time in '%s' command";
    public static final String NAN_OR_INF = "ERR increment would produce NaN or Infinity";

    public static String wrongArgs(String fullName) {
        return "ERR wrong number of arguments for '" + fullName + "' command";
    }

    public static String unknownSubcommand(String sub, String container) {
        return "ERR unknown subcommand '" + truncate(sub) + "'. Try " + container.toUpperCase(java.util.Locale.ROOT) + " HELP.";
    }

    /** Redis prints at most 128 characters of a user-supplied name in an error. */
    public static String truncate(String s) {
        return s.length() > 128 ? s.substring(0, 128) : s;
    }
}

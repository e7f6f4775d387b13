package io.magpie.server;

/**
 * redisAsciiArt: the start banner, shown when the log goes to a terminal or with
 * {@code always-show-logo yes}; otherwise one "Running mode=..." line. Scripts and tools
 * wait for its " PID: <pid>" line, so its layout is Redis's.
 */
final class Banner {
    private static final String LOGO = String.join("\n",
            "                _._                                                  ",
            "           _.-``__ ''-._                                             ",
            "      _.-``    `.  `_.  ''-._           Redis %s (%s/%d) %s bit",
            "  .-`` .-```.  ```\\/    _.,_ ''-._                                  ",
            " (    '      ,       .-`  | `,    )     Running in %s mode",
            " |`-._`-...-` __...-.``-._|'` _.-'|     Port: %d",
            " |    `-._   `._    /     _.-'    |     PID: %d",
            "  `-._    `-._  `-./  _.-'    _.-'                                   ",
            " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
            " |    `-._`-._        _.-'_.-'    |           https://redis.io       ",
            "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
            " |`-._`-._    `-.__.-'    _.-'_.-'|                                  ",
            " |    `-._`-._        _.-'_.-'    |                                  ",
            "  `-._    `-._`-.__.-'_.-'    _.-'                                   ",
            "      `-._    `-.__.-'    _.-'                                       ",
            "          `-._        _.-'                                           ",
            "              `-.__.-'                                               ",
            "", "");

    private Banner() {}

    static void show(String mode, int port, boolean alwaysShowLogo, boolean logToStdout) {
        boolean terminal = logToStdout && System.console() != null;
        if (!alwaysShowLogo && !terminal) {
            Log.notice("Running mode=%s, port=%d.", mode, port);
            return;
        }
        Log.raw(Log.Level.NOTICE, String.format(LOGO, ConfigLoader.REDIS_VERSION, "00000000", 0, "64", mode, port,
                ProcessHandle.current().pid()));
    }
}

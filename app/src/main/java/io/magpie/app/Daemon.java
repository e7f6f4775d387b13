package io.magpie.app;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * daemonize yes: the JVM cannot fork, so the process starts a copy of itself in a new
 * session (setsid), with standard input and output on /dev/null as Redis's daemonize(),
 * and exits; the copy, marked by an environment variable, runs the server. A configuration
 * read from stdin is handed to the copy on its stdin.
 */
final class Daemon {
    private static final String MARK = "MAGPIE_DAEMONIZED";

    private Daemon() {}

    static boolean isDaemon() {
        return "1".equals(System.getenv(MARK));
    }

    /** Starts the daemon copy and returns true (this process must exit), or false when this is the copy. */
    static boolean detach(String[] args, String stdinConfig) throws IOException {
        if (isDaemon()) return false;
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) cmd.add("/usr/bin/setsid");
        // The same JVM, options and class path, rebuilt from the runtime rather than read back
        // from /proc: ProcessHandle's view of a long command line can be empty.
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(stdinConfig == null ? ProcessBuilder.Redirect.from(new File("/dev/null")) : ProcessBuilder.Redirect.PIPE);
        pb.environment().put(MARK, "1");
        Process p = pb.start();
        if (stdinConfig != null) {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdinConfig.getBytes(StandardCharsets.UTF_8));
            }
        }
        return true;
    }
}

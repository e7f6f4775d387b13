package io.magpie.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server started with SIGTERM and SIGINT ignored (as a background job of a shell that
 * ran trap '' TERM INT, or under nohup) still shuts down cleanly on SIGTERM, as Redis
 * does: on Java 22+ Main resets the inherited SIG_IGN itself, on older Javas the
 * launcher's env --default-signal does it, and Main says so in the log when it cannot.
 */
class InheritedSignalsTest {
    /** A Java of 22 or later, when the machine has one (JAVA22_HOME, or the one the README names). */
    private static final Path NEWER_JAVA = Path.of(System.getenv().getOrDefault("JAVA22_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"),
            "bin", "java");

    @TempDir
    Path dir;

    private static String thisJava() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Starts Main under bash with TERM and INT ignored, through prefix (e.g. env --default-signal). */
    private Process startIgnoring(String name, int port, List<String> prefix) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", "-c", "trap '' TERM INT; exec \"$@\"", "magpie"));
        cmd.addAll(prefix);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.magpie.app.Main",
                "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "1000 1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
        RealRedis.waitUntilReady(port, p);
        return p;
    }

    /** SIGTERM, then the clean exit: code 0, Redis's log lines, the final save of the save rule. */
    private void assertSigtermShutsDown(Process p, String name) throws Exception {
        assertThat(Signals.ignoredAtStartup(15)).as("this test JVM itself").isFalse();
        new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor(10, TimeUnit.SECONDS);
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        if (!exited) p.destroyForcibly().waitFor();
        String log = Files.readString(dir.resolve(name + ".log"));
        assertThat(exited).as("exited on SIGTERM; log:\n%s", log).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(log).contains("Received SIGTERM scheduling shutdown...").contains("Saving the final RDB snapshot before exiting.");
        assertThat(dir.resolve("dump.rdb")).exists();
    }

    @Test
    void onJava22OrLaterMainResetsAnInheritedIgnore() throws Exception {
        assumeTrue(Files.isExecutable(NEWER_JAVA), "no Java 22+ at " + NEWER_JAVA);
        Process p = startIgnoring("newer", RealRedis.freePort(), List.of(NEWER_JAVA.toString(), "--enable-native-access=ALL-UNNAMED"));
        assertSigtermShutsDown(p, "newer");
    }

    @Test
    void theLaunchersDefaultSignalResetWorksOnAnyJava() throws Exception {
        assumeTrue(new ProcessBuilder("env", "--default-signal=TERM", "true").start().waitFor() == 0, "env has no --default-signal");
        Process p = startIgnoring("env", RealRedis.freePort(), List.of("env", "--default-signal=TERM,INT", thisJava()));
        assertSigtermShutsDown(p, "env");
    }

    @Test
    void whereTheIgnoreCannotBeUndoneTheLogSaysSo() throws Exception {
        assumeTrue(Runtime.version().feature() < 22, "this Java resets the signal itself");
        Process p = startIgnoring("old", RealRedis.freePort(), List.of(thisJava()));
        try {
            assertThat(Files.readString(dir.resolve("old.log")))
                    .contains("SIGTERM is ignored, as inherited from the parent process, and this Java (" + Runtime.version().feature()
                            + ") cannot reset it");
        } finally {
            p.destroyForcibly().waitFor();
        }
    }
}

package io.magpie.app;

import io.magpie.server.Log;
import io.magpie.server.MagpieServer;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * SIGTERM and SIGINT shut the server down cleanly, with Redis's log lines, whatever the
 * process inherited. A shell that runs a background job without job control, nohup, or a
 * supervisor that set "trap '' TERM" starts its children with those signals ignored; Redis's
 * sigaction replaces an inherited SIG_IGN, but the JVM refuses to install a handler for a
 * shutdown signal that is ignored at startup. So an ignored signal is first reset to its
 * default action with signal(2), called through the foreign-function API on Java 22 and
 * later (by reflection: this code compiles for Java 17). On older Javas the signal stays
 * ignored and the log says so; ./magpie-server resets both signals before starting Java.
 */
final class Signals {
    private static final String[] NAMES = {"TERM", "INT"};
    private static final int[] NUMBERS = {15, 2}; // Linux's SIGTERM, SIGINT

    private Signals() {}

    static void install(MagpieServer server) {
        for (int i = 0; i < NAMES.length; i++) {
            String name = NAMES[i];
            if (ignoredAtStartup(NUMBERS[i]) && !resetToDefault(NUMBERS[i])) {
                Log.warning("SIG%s is ignored, as inherited from the parent process, and this Java (%d) cannot reset it: "
                        + "SIG%s will not stop the server. Start it with ./magpie-server or 'env --default-signal=TERM,INT'.",
                        name, Runtime.version().feature(), name);
            }
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    Log.warning("Received SIG%s scheduling shutdown...", name);
                    server.shutdownOnSignal(); // saves when save rules exist; a failed save keeps the server up
                });
            } catch (IllegalArgumentException e) {
                Log.warning("Cannot handle SIG%s: %s", name, e.getMessage());
            }
        }
    }

    /** Whether signo is set to SIG_IGN in this process (the SigIgn mask of /proc/self/status). */
    static boolean ignoredAtStartup(int signo) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    long mask = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (mask & (1L << (signo - 1))) != 0;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no /proc: nothing known, nothing to undo
        }
        return false;
    }

    /**
     * signal(signo, SIG_DFL) through java.lang.foreign (Java 22+). The handler argument and
     * result are pointers, passed as 64-bit integers (SIG_DFL is 0, SIG_ERR is -1), which is
     * how the 64-bit Linux ABIs pass them. False where the API or the call is unavailable.
     */
    static boolean resetToDefault(int signo) {
        if (Runtime.version().feature() < 22) return false;
        try {
            Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
            Class<?> lookupClass = Class.forName("java.lang.foreign.SymbolLookup");
            Class<?> layoutClass = Class.forName("java.lang.foreign.MemoryLayout");
            Class<?> valueLayoutClass = Class.forName("java.lang.foreign.ValueLayout");
            Class<?> descriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
            Class<?> segmentClass = Class.forName("java.lang.foreign.MemorySegment");
            Class<?> optionClass = Class.forName("java.lang.foreign.Linker$Option");
            Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
            Object lookup = linkerClass.getMethod("defaultLookup").invoke(linker);
            Optional<?> symbol = (Optional<?>) lookupClass.getMethod("find", String.class).invoke(lookup, "signal");
            if (symbol.isEmpty()) return false;
            Object javaInt = valueLayoutClass.getField("JAVA_INT").get(null);
            Object javaLong = valueLayoutClass.getField("JAVA_LONG").get(null);
            Object args = Array.newInstance(layoutClass, 2);
            Array.set(args, 0, javaInt);
            Array.set(args, 1, javaLong);
            Object descriptor = descriptorClass.getMethod("of", layoutClass, args.getClass()).invoke(null, javaLong, args);
            Object noOptions = Array.newInstance(optionClass, 0);
            MethodHandle signal = (MethodHandle) linkerClass.getMethod("downcallHandle", segmentClass, descriptorClass,
                    noOptions.getClass()).invoke(linker, symbol.get(), descriptor, noOptions);
            long previous = (long) signal.invokeWithArguments(signo, 0L);
            return previous != -1;
        } catch (Throwable e) {
            return false;
        }
    }
}

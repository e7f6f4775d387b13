package io.magpie.raft;

import io.magpie.server.Log;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding of the server: Ratis (and gRPC, Netty) log through SLF4J, and without a
 * binding their warnings were lost, so a member that stopped its division said nothing. This
 * one writes WARN and ERROR to the server's log in Redis's format, with the logger's short
 * name; INFO and below stay off (Ratis logs every election and segment roll at INFO).
 */
public final class ServerLogProvider implements SLF4JServiceProvider {
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ILoggerFactory loggers = ServerLogger::new;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        // nothing to set up: Log is static
    }

    /** One named logger: WARN and ERROR to the server log. */
    static final class ServerLogger extends LegacyAbstractLogger {
        private static final int MAX_STACK_LINES = 12;

        ServerLogger(String name) {
            this.name = name;
        }

        @Override public boolean isTraceEnabled() { return false; }
        @Override public boolean isDebugEnabled() { return false; }
        @Override public boolean isInfoEnabled() { return false; }
        @Override public boolean isWarnEnabled() { return true; }
        @Override public boolean isErrorEnabled() { return true; }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            StringBuilder sb = new StringBuilder(shortName()).append(": ");
            sb.append(MessageFormatter.basicArrayFormat(pattern, args));
            if (t != null) {
                sb.append(": ").append(t);
                StackTraceElement[] stack = t.getStackTrace();
                for (int i = 0; i < Math.min(stack.length, MAX_STACK_LINES); i++) sb.append("\n\tat ").append(stack[i]);
                for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) sb.append("\nCaused by: ").append(c);
            }
            Log.warning("%s", sb);
        }

        private String shortName() {
            int dot = name.lastIndexOf('.');
            return dot < 0 ? name : name.substring(dot + 1);
        }
    }
}

package io.magpie.engine;

/**
 * Thrown by a command (or an argument parser it calls) to reply with an error and stop.
 * Engine.call turns it into the error reply. Commands throw only before writing any part
 * of their reply, as Redis's handlers return before addReply on bad input.
 */
public final class ReplyException extends RuntimeException {
    public ReplyException(String errorText) {
        super(errorText, null, false, false);
    }
}

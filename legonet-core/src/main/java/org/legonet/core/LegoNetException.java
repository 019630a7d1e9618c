package org.legonet.core;

/**
 * A problem the user can fix: bad input, an impossible setting, a corrupted or foreign file.
 *
 * <p>The message is one line that names the problem and, where it helps, what was expected. The
 * CLI prints it as it is and exits non-zero; the server turns it into a JSON error. Programming
 * errors (misuse of the API) stay {@link IllegalArgumentException} or {@link IllegalStateException}.
 */
public class LegoNetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LegoNetException(String message) {
        super(message);
    }

    public LegoNetException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.legonet.core;

/**
 * An id key problem: a model directory whose id hashes are keyed was opened with another key than
 * its own ({@link #missing()} false), or without one for work that hashes ids ({@link #missing()}
 * true: forget, add, {@code idHash}, {@code wasForgotten}, the service). The message is one line
 * and never shows a key.
 */
public class IdKeyException extends LegoNetException {
    private static final long serialVersionUID = 1L;
    private final boolean missing;
    private final transient java.nio.file.Path dir;

    public IdKeyException(String message, boolean missing, java.nio.file.Path dir) {
        super(message);
        this.missing = missing;
        this.dir = dir;
    }

    /** The model directory whose key is missing or wrong. */
    public java.nio.file.Path dir() {
        return dir;
    }

    /** Whether no key was given (rather than a wrong one). */
    public boolean missing() {
        return missing;
    }
}

package org.legonet.core;


/** A model directory that cannot be used: missing, foreign, corrupted, locked or unwritable. */
public class StoreException extends LegoNetException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.legonet.core.data;

import org.legonet.core.LegoNetException;

/** A data file that cannot be read as promised: malformed, truncated, NaN, ragged, wrong dimensions. */
public class DataException extends LegoNetException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}

package org.legonet.core;

/**
 * An update computed from a model that is no longer the one its directory holds (another update
 * was committed since). Nothing was written: compute the update again from the current model.
 */
public class StaleModelException extends LegoNetException {
    private static final long serialVersionUID = 1L;

    public StaleModelException(String message) {
        super(message);
    }
}

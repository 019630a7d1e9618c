package org.legonet.core;

/** A class outside the model's label set. Nothing was changed. */
public class UnknownClassException extends LegoNetException {
    private static final long serialVersionUID = 1L;
    private final int forgetClass;

    public UnknownClassException(int c, int classes) {
        super("class " + c + " is not in the model's label set 0.." + (classes - 1) + "; nothing was changed");
        this.forgetClass = c;
    }

    public int forgetClass() {
        return forgetClass;
    }
}

package org.legonet.core.adapter;

import java.util.Locale;
import org.legonet.core.LegoNetException;

/** The adapters' optimiser. */
public enum Optimizer {
    /** Adam with decoupled weight decay (AdamW). */
    ADAM,
    /** Mini-batch SGD with heavy-ball momentum and L2 weight decay. */
    SGD;

    public static Optimizer parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "adam":
            case "adamw":
                return ADAM;
            case "sgd":
                return SGD;
            default:
                throw new LegoNetException("optimizer '" + s + "' is not one of adam, sgd");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

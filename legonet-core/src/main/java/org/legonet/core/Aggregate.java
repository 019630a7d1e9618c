package org.legonet.core;

import java.util.Locale;

/** How the k activated adapters' class probabilities are combined into a prediction. */
public enum Aggregate {
    /** The plain average (the paper's rule). */
    MEAN,
    /** Weights proportional to exp(-distance / temperature), the temperature frozen with the keys. */
    WEIGHTED;

    public static Aggregate parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "mean":
            case "average":
                return MEAN;
            case "weighted":
            case "similarity":
                return WEIGHTED;
            default:
                throw new LegoNetException("aggregate '" + s + "' is not one of mean, weighted");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package org.legonet.core;

import java.util.Locale;

/** How a sample's encoding is compared with a key. */
public enum Distance {
    /** Squared Euclidean distance (the paper's rule; squaring does not change the order). */
    L2,
    /** One minus the cosine similarity. */
    COSINE;

    /** Parses {@code l2} or {@code cosine}. */
    public static Distance parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "l2":
            case "euclidean":
                return L2;
            case "cosine":
            case "cos":
                return COSINE;
            default:
                throw new LegoNetException("distance '" + s + "' is not one of l2, cosine");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}

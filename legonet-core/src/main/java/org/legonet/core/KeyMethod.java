package org.legonet.core;

import java.util.Locale;

/** How the frozen keys are placed, from the public encodings only. */
public enum KeyMethod {
    /** Seeded k-means (k-means++ initialisation, Lloyd iterations) over the public encodings. */
    KMEANS,
    /** n public encodings drawn at random, plus small seeded noise (the paper's rule, on public data). */
    PUBLIC_SAMPLE;

    public static KeyMethod parse(String s) {
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "kmeans":
            case "k-means":
                return KMEANS;
            case "public-sample":
            case "sample":
                return PUBLIC_SAMPLE;
            default:
                throw new LegoNetException("keys '" + s + "' is not one of kmeans, public-sample");
        }
    }

    public String label() {
        return this == KMEANS ? "kmeans" : "public-sample";
    }
}

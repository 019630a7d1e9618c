package org.legonet.core;

import java.util.Arrays;

/**
 * A model's answers for some samples: the most probable class of each, its class probabilities,
 * and the adapters it was routed to, all from the model named by {@link #modelDigest()}.
 */
public final class Predictions {
    private final String modelDigest;
    private final int rows;
    private final int classes;
    private final int k;
    private final float[] probabilities;
    private final int[] adapters;

    Predictions(String modelDigest, int rows, int classes, int k, float[] probabilities, int[] adapters) {
        this.modelDigest = modelDigest;
        this.rows = rows;
        this.classes = classes;
        this.k = k;
        this.probabilities = probabilities;
        this.adapters = adapters;
    }

    /** The digest of the model that answered. */
    public String modelDigest() {
        return modelDigest;
    }

    /** How many samples were predicted. */
    public int size() {
        return rows;
    }

    /** Size of the label set. */
    public int classes() {
        return classes;
    }

    /** The most probable class of sample {@code i} (the lowest class on ties). */
    public int label(int i) {
        int best = 0;
        for (int c = 1; c < classes; c++) {
            if (probabilities[i * classes + c] > probabilities[i * classes + best]) {
                best = c;
            }
        }
        return best;
    }

    /** The most probable class of every sample. */
    public int[] labels() {
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) {
            out[i] = label(i);
        }
        return out;
    }

    /** The class probabilities of sample {@code i} (a copy). */
    public float[] probabilities(int i) {
        return Arrays.copyOfRange(probabilities, i * classes, (i + 1) * classes);
    }

    /** The k adapters sample {@code i} was routed to, nearest first (a copy). */
    public int[] adapters(int i) {
        return Arrays.copyOfRange(adapters, i * k, (i + 1) * k);
    }
}

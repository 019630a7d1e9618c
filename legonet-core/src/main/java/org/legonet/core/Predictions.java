package org.legonet.core;

import java.util.Arrays;

/**
 * A model's answers for some samples: the most probable class of each, its class probabilities,
 * the adapters it was routed to and those that voted, all from the model named by
 * {@link #modelDigest()} under the mask {@link #mask()}.
 *
 * <p>A sample is not answered ({@link #answered} false) when a mask switched off every adapter of
 * its route that would have voted: then {@link #label} is -1 and {@link #probabilities} null.
 */
public final class Predictions {
    private final String modelDigest;
    private final int rows;
    private final int classes;
    private final int k;
    private final float[] probabilities;
    private final int[] adapters;
    private final AdapterMask mask;
    private final boolean[] votes;
    private final boolean[] answered;

    /**
     * @param votes    per adapter, whether it voted (non-empty and not masked)
     * @param answered per sample, whether it was answered
     */
    Predictions(String modelDigest, int rows, int classes, int k, float[] probabilities, int[] adapters,
                AdapterMask mask, boolean[] votes, boolean[] answered) {
        this.modelDigest = modelDigest;
        this.rows = rows;
        this.classes = classes;
        this.k = k;
        this.probabilities = probabilities;
        this.adapters = adapters;
        this.mask = mask;
        this.votes = votes;
        this.answered = answered;
    }

    /** The adapters switched off for these answers ({@link AdapterMask#NONE} without a mask). */
    public AdapterMask mask() {
        return mask;
    }

    /** Whether sample {@code i} was answered (false only when the mask left it no adapter). */
    public boolean answered(int i) {
        return answered[i];
    }

    /** Whether every sample was answered. */
    public boolean allAnswered() {
        for (boolean a : answered) {
            if (!a) {
                return false;
            }
        }
        return true;
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

    /** The most probable class of sample {@code i} (the lowest class on ties), or -1 when it was not answered. */
    public int label(int i) {
        if (!answered[i]) {
            return -1;
        }
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

    /** The class probabilities of sample {@code i} (a copy), or null when it was not answered. */
    public float[] probabilities(int i) {
        if (!answered[i]) {
            return null;
        }
        return Arrays.copyOfRange(probabilities, i * classes, (i + 1) * classes);
    }

    /** The k adapters sample {@code i} was routed to, nearest first (a copy). */
    public int[] adapters(int i) {
        return Arrays.copyOfRange(adapters, i * k, (i + 1) * k);
    }

    /**
     * The adapters whose answers sample {@code i}'s prediction combines, nearest first: its routed
     * adapters that hold samples and are not masked (empty when it was not answered, or when all
     * its adapters are empty and the answer is uniform).
     */
    public int[] voters(int i) {
        int n = 0;
        int[] v = new int[k];
        for (int s = i * k; s < (i + 1) * k; s++) {
            if (votes[adapters[s]]) {
                v[n++] = adapters[s];
            }
        }
        return Arrays.copyOf(v, n);
    }
}

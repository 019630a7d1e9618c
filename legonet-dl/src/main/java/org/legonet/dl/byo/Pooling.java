package org.legonet.dl.byo;

import java.util.Locale;
import org.legonet.core.LegoNetException;

/**
 * How a model's output becomes one encoding vector. An output of rank 3, {@code [1, seq, hidden]}
 * (a transformer's per-token states), is pooled over {@code seq}; any other output is flattened.
 */
public enum Pooling {
    /** The mean over the sequence, summed in sequence order in double precision (the default). */
    MEAN,
    /** The first position (a BERT-style [CLS] token). */
    FIRST,
    /** No pooling: every output value, flattened. */
    NONE;

    static Pooling parse(String spec, String s) {
        if (s == null) {
            return MEAN;
        }
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new LegoNetException("encoder '" + spec + "': pool= must be mean, first or none, got '" + s + "'");
        }
    }

    /** The length of the encoding for an output of {@code shape} (batch dimension 1 included). */
    public int outputDim(long[] shape) {
        long n = ByoSpec.elements(shape);
        if (pooled(shape)) {
            return (int) shape[2];
        }
        return (int) n;
    }

    private boolean pooled(long[] shape) {
        return this != NONE && shape.length == 3;
    }

    /**
     * Writes the encoding of one sample's output {@code values} (of {@code shape}) to
     * {@code out[offset .. offset + outputDim(shape))}. Only {@code out} is modified.
     */
    public void apply(float[] values, long[] shape, float[] out, int offset) {
        if (!pooled(shape)) {
            System.arraycopy(values, 0, out, offset, values.length);
            return;
        }
        int seq = (int) shape[1];
        int hidden = (int) shape[2];
        if (this == FIRST) {
            System.arraycopy(values, 0, out, offset, hidden);
            return;
        }
        for (int h = 0; h < hidden; h++) {
            double sum = 0;
            for (int t = 0; t < seq; t++) {
                sum += values[t * hidden + h];
            }
            out[offset + h] = (float) (sum / seq);
        }
    }
}

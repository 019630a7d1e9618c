package org.legonet.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Element-wise kernels of adapter training on the Vector API, each with a scalar tail that performs
 * exactly the same operation, so the result does not depend on the vector width.
 */
public final class Vec {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;

    private Vec() {
    }

    /** {@code x[i] = max(x[i], 0)} for {@code i in [off, off + n)}. */
    public static void relu(float[] x, int off, int n) {
        int i = 0;
        if (S != null) {
            FloatVector zero = FloatVector.zero(S);
            for (; i + L <= n; i += L) {
                FloatVector.fromArray(S, x, off + i).max(zero).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) {
            x[off + i] = Math.max(x[off + i], 0.0f);
        }
    }

    /** {@code g[i] = a[i] > 0 ? g[i] : 0} for {@code i in [0, n)}: the ReLU derivative. Only g is modified. */
    public static void reluMask(float[] g, float[] a, int n) {
        int i = 0;
        if (S != null) {
            FloatVector zero = FloatVector.zero(S);
            for (; i + L <= n; i += L) {
                FloatVector av = FloatVector.fromArray(S, a, i);
                FloatVector gv = FloatVector.fromArray(S, g, i);
                zero.blend(gv, av.compare(VectorOperators.GT, 0.0f)).intoArray(g, i);
            }
        }
        for (; i < n; i++) {
            g[i] = a[i] > 0.0f ? g[i] : 0.0f;
        }
    }

    /**
     * Column sums of a row-major {@code rows x cols} matrix: {@code out[outOff + j] = sum_r x[r * cols + j]},
     * summed in ascending r starting from 0. Only {@code out} is modified.
     */
    public static void columnSums(float[] x, int rows, int cols, float[] out, int outOff) {
        int j = 0;
        if (S != null) {
            for (; j + L <= cols; j += L) {
                FloatVector acc = FloatVector.zero(S);
                for (int r = 0; r < rows; r++) {
                    acc = acc.add(FloatVector.fromArray(S, x, r * cols + j));
                }
                acc.intoArray(out, outOff + j);
            }
        }
        for (; j < cols; j++) {
            float acc = 0.0f;
            for (int r = 0; r < rows; r++) {
                acc += x[r * cols + j];
            }
            out[outOff + j] = acc;
        }
    }
}

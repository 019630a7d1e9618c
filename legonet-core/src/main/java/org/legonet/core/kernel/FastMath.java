package org.legonet.core.kernel;

/**
 * Float functions built from IEEE-754 basic operations only, so they return the same bits in the
 * interpreter, in every JIT tier and on every CPU ({@link Math#exp} may be an intrinsic whose
 * last bit is not specified).
 */
public final class FastMath {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693145751953125f;
    private static final float LN2_LO = 1.428606765330187045e-06f;

    private FastMath() {
    }

    /**
     * e^x for x in [-87, 88] to within 2 ulp; smaller arguments give 0, larger ones infinity.
     * Used by softmax on logits shifted by their maximum, so arguments are at most 0.
     */
    public static float exp(float x) {
        if (x < -87.0f) {
            return 0.0f;
        }
        if (x > 88.0f) {
            return Float.POSITIVE_INFINITY;
        }
        float n = (float) Math.rint(x * LOG2E);
        float r = Math.fma(-n, LN2_HI, x);
        r = Math.fma(-n, LN2_LO, r);
        // e^r on [-ln2/2, ln2/2]: degree-6 Taylor polynomial in Horner form.
        float p = 1.0f / 720.0f;
        p = Math.fma(p, r, 1.0f / 120.0f);
        p = Math.fma(p, r, 1.0f / 24.0f);
        p = Math.fma(p, r, 1.0f / 6.0f);
        p = Math.fma(p, r, 0.5f);
        p = Math.fma(p, r, 1.0f);
        p = Math.fma(p, r, 1.0f);
        int e = (int) n;
        // 2^e as two factors so that e = -126..-127 and e = 128 stay exact.
        int e1 = e / 2;
        int e2 = e - e1;
        return p * Float.intBitsToFloat((e1 + 127) << 23) * Float.intBitsToFloat((e2 + 127) << 23);
    }

    /**
     * In-place softmax of {@code z[off .. off + n)}; returns the log of the normaliser plus the
     * maximum (so that {@code log p_i = z_i - result}). Only {@code z} is modified.
     */
    public static float softmaxInPlace(float[] z, int off, int n) {
        float max = z[off];
        for (int i = 1; i < n; i++) {
            max = Math.max(max, z[off + i]);
        }
        float sum = 0.0f;
        for (int i = 0; i < n; i++) {
            float e = exp(z[off + i] - max);
            z[off + i] = e;
            sum += e;
        }
        float inv = 1.0f / sum;
        for (int i = 0; i < n; i++) {
            z[off + i] *= inv;
        }
        return max + (float) StrictMath.log(sum);
    }
}

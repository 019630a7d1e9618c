package org.legonet.core.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense single-precision matrix product, {@code C += A * B}, register-blocked on the Vector API.
 *
 * <p>Determinism: every element {@code C[i][j]} is updated as
 * {@code c = fma(A[i][0], B[0][j], c); c = fma(A[i][1], B[1][j], c); ...} in ascending reduction
 * index, whatever the vector width, blocking or tail handling. Vectors run across the output columns
 * {@code j}, never across the reduction, so results are bit-identical to the scalar loop.
 *
 * <p>A is addressed with a row stride and a column stride, so a transposed operand costs nothing:
 * {@code A[i][p] = a[aOff + i * ars + p * acs]}. B and C are row-major with leading dimensions
 * {@code ldb} and {@code ldc}. Only {@code c} is modified.
 */
public final class Gemm {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int L = Simd.LANES;

    private Gemm() {
    }

    /**
     * {@code C[i][j] += sum_p A[i][p] * B[p][j]} for {@code 0 <= i < m}, {@code 0 <= j < n},
     * {@code 0 <= p < k}, accumulated in ascending {@code p} with fused multiply-add.
     */
    public static void mulAdd(int m, int n, int k,
                              float[] a, int aOff, int ars, int acs,
                              float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc) {
        int jv = 0;
        if (S != null) {
            int n4 = n - (n % (4 * L));
            for (; jv < n4; jv += 4 * L) {
                blockFour(m, k, a, aOff, ars, acs, b, bOff + jv, ldb, c, cOff + jv, ldc);
            }
            int n2 = n - (n % (2 * L));
            for (; jv < n2; jv += 2 * L) {
                blockTwo(m, k, a, aOff, ars, acs, b, bOff + jv, ldb, c, cOff + jv, ldc);
            }
            int n1 = n - (n % L);
            for (; jv < n1; jv += L) {
                blockOne(m, k, a, aOff, ars, acs, b, bOff + jv, ldb, c, cOff + jv, ldc);
            }
        }
        if (jv < n) {
            scalar(m, n - jv, k, a, aOff, ars, acs, b, bOff + jv, ldb, c, cOff + jv, ldc);
        }
    }

    /** Four rows by four vectors of C in sixteen registers; then single rows. */
    private static void blockFour(int m, int k, float[] a, int aOff, int ars, int acs,
                                  float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int c0 = cOff + i * ldc;
            int c1 = c0 + ldc;
            int c2 = c1 + ldc;
            int c3 = c2 + ldc;
            FloatVector x00 = FloatVector.fromArray(S, c, c0);
            FloatVector x01 = FloatVector.fromArray(S, c, c0 + L);
            FloatVector x02 = FloatVector.fromArray(S, c, c0 + 2 * L);
            FloatVector x03 = FloatVector.fromArray(S, c, c0 + 3 * L);
            FloatVector x10 = FloatVector.fromArray(S, c, c1);
            FloatVector x11 = FloatVector.fromArray(S, c, c1 + L);
            FloatVector x12 = FloatVector.fromArray(S, c, c1 + 2 * L);
            FloatVector x13 = FloatVector.fromArray(S, c, c1 + 3 * L);
            FloatVector x20 = FloatVector.fromArray(S, c, c2);
            FloatVector x21 = FloatVector.fromArray(S, c, c2 + L);
            FloatVector x22 = FloatVector.fromArray(S, c, c2 + 2 * L);
            FloatVector x23 = FloatVector.fromArray(S, c, c2 + 3 * L);
            FloatVector x30 = FloatVector.fromArray(S, c, c3);
            FloatVector x31 = FloatVector.fromArray(S, c, c3 + L);
            FloatVector x32 = FloatVector.fromArray(S, c, c3 + 2 * L);
            FloatVector x33 = FloatVector.fromArray(S, c, c3 + 3 * L);
            int a0 = aOff + i * ars;
            int bp = bOff;
            for (int p = 0; p < k; p++, a0 += acs, bp += ldb) {
                FloatVector b0 = FloatVector.fromArray(S, b, bp);
                FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bp + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bp + 3 * L);
                FloatVector v = FloatVector.broadcast(S, a[a0]);
                x00 = v.fma(b0, x00);
                x01 = v.fma(b1, x01);
                x02 = v.fma(b2, x02);
                x03 = v.fma(b3, x03);
                v = FloatVector.broadcast(S, a[a0 + ars]);
                x10 = v.fma(b0, x10);
                x11 = v.fma(b1, x11);
                x12 = v.fma(b2, x12);
                x13 = v.fma(b3, x13);
                v = FloatVector.broadcast(S, a[a0 + 2 * ars]);
                x20 = v.fma(b0, x20);
                x21 = v.fma(b1, x21);
                x22 = v.fma(b2, x22);
                x23 = v.fma(b3, x23);
                v = FloatVector.broadcast(S, a[a0 + 3 * ars]);
                x30 = v.fma(b0, x30);
                x31 = v.fma(b1, x31);
                x32 = v.fma(b2, x32);
                x33 = v.fma(b3, x33);
            }
            x00.intoArray(c, c0);
            x01.intoArray(c, c0 + L);
            x02.intoArray(c, c0 + 2 * L);
            x03.intoArray(c, c0 + 3 * L);
            x10.intoArray(c, c1);
            x11.intoArray(c, c1 + L);
            x12.intoArray(c, c1 + 2 * L);
            x13.intoArray(c, c1 + 3 * L);
            x20.intoArray(c, c2);
            x21.intoArray(c, c2 + L);
            x22.intoArray(c, c2 + 2 * L);
            x23.intoArray(c, c2 + 3 * L);
            x30.intoArray(c, c3);
            x31.intoArray(c, c3 + L);
            x32.intoArray(c, c3 + 2 * L);
            x33.intoArray(c, c3 + 3 * L);
        }
        for (; i < m; i++) {
            int c0 = cOff + i * ldc;
            FloatVector x0 = FloatVector.fromArray(S, c, c0);
            FloatVector x1 = FloatVector.fromArray(S, c, c0 + L);
            FloatVector x2 = FloatVector.fromArray(S, c, c0 + 2 * L);
            FloatVector x3 = FloatVector.fromArray(S, c, c0 + 3 * L);
            int a0 = aOff + i * ars;
            int bp = bOff;
            for (int p = 0; p < k; p++, a0 += acs, bp += ldb) {
                FloatVector v = FloatVector.broadcast(S, a[a0]);
                x0 = v.fma(FloatVector.fromArray(S, b, bp), x0);
                x1 = v.fma(FloatVector.fromArray(S, b, bp + L), x1);
                x2 = v.fma(FloatVector.fromArray(S, b, bp + 2 * L), x2);
                x3 = v.fma(FloatVector.fromArray(S, b, bp + 3 * L), x3);
            }
            x0.intoArray(c, c0);
            x1.intoArray(c, c0 + L);
            x2.intoArray(c, c0 + 2 * L);
            x3.intoArray(c, c0 + 3 * L);
        }
    }

    private static void blockTwo(int m, int k, float[] a, int aOff, int ars, int acs,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int c0 = cOff + i * ldc;
            int c1 = c0 + ldc;
            int c2 = c1 + ldc;
            int c3 = c2 + ldc;
            FloatVector x00 = FloatVector.fromArray(S, c, c0);
            FloatVector x01 = FloatVector.fromArray(S, c, c0 + L);
            FloatVector x10 = FloatVector.fromArray(S, c, c1);
            FloatVector x11 = FloatVector.fromArray(S, c, c1 + L);
            FloatVector x20 = FloatVector.fromArray(S, c, c2);
            FloatVector x21 = FloatVector.fromArray(S, c, c2 + L);
            FloatVector x30 = FloatVector.fromArray(S, c, c3);
            FloatVector x31 = FloatVector.fromArray(S, c, c3 + L);
            int a0 = aOff + i * ars;
            int bp = bOff;
            for (int p = 0; p < k; p++, a0 += acs, bp += ldb) {
                FloatVector b0 = FloatVector.fromArray(S, b, bp);
                FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
                FloatVector v0 = FloatVector.broadcast(S, a[a0]);
                FloatVector v1 = FloatVector.broadcast(S, a[a0 + ars]);
                FloatVector v2 = FloatVector.broadcast(S, a[a0 + 2 * ars]);
                FloatVector v3 = FloatVector.broadcast(S, a[a0 + 3 * ars]);
                x00 = v0.fma(b0, x00);
                x01 = v0.fma(b1, x01);
                x10 = v1.fma(b0, x10);
                x11 = v1.fma(b1, x11);
                x20 = v2.fma(b0, x20);
                x21 = v2.fma(b1, x21);
                x30 = v3.fma(b0, x30);
                x31 = v3.fma(b1, x31);
            }
            x00.intoArray(c, c0);
            x01.intoArray(c, c0 + L);
            x10.intoArray(c, c1);
            x11.intoArray(c, c1 + L);
            x20.intoArray(c, c2);
            x21.intoArray(c, c2 + L);
            x30.intoArray(c, c3);
            x31.intoArray(c, c3 + L);
        }
        for (; i < m; i++) {
            int c0 = cOff + i * ldc;
            FloatVector x0 = FloatVector.fromArray(S, c, c0);
            FloatVector x1 = FloatVector.fromArray(S, c, c0 + L);
            int a0 = aOff + i * ars;
            int bp = bOff;
            for (int p = 0; p < k; p++, a0 += acs, bp += ldb) {
                FloatVector v = FloatVector.broadcast(S, a[a0]);
                x0 = v.fma(FloatVector.fromArray(S, b, bp), x0);
                x1 = v.fma(FloatVector.fromArray(S, b, bp + L), x1);
            }
            x0.intoArray(c, c0);
            x1.intoArray(c, c0 + L);
        }
    }

    private static void blockOne(int m, int k, float[] a, int aOff, int ars, int acs,
                                 float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int c0 = cOff + i * ldc;
            FloatVector x0 = FloatVector.fromArray(S, c, c0);
            FloatVector x1 = FloatVector.fromArray(S, c, c0 + ldc);
            FloatVector x2 = FloatVector.fromArray(S, c, c0 + 2 * ldc);
            FloatVector x3 = FloatVector.fromArray(S, c, c0 + 3 * ldc);
            int a0 = aOff + i * ars;
            int bp = bOff;
            for (int p = 0; p < k; p++, a0 += acs, bp += ldb) {
                FloatVector bv = FloatVector.fromArray(S, b, bp);
                x0 = FloatVector.broadcast(S, a[a0]).fma(bv, x0);
                x1 = FloatVector.broadcast(S, a[a0 + ars]).fma(bv, x1);
                x2 = FloatVector.broadcast(S, a[a0 + 2 * ars]).fma(bv, x2);
                x3 = FloatVector.broadcast(S, a[a0 + 3 * ars]).fma(bv, x3);
            }
            x0.intoArray(c, c0);
            x1.intoArray(c, c0 + ldc);
            x2.intoArray(c, c0 + 2 * ldc);
            x3.intoArray(c, c0 + 3 * ldc);
        }
        for (; i < m; i++) {
            int c0 = cOff + i * ldc;
            FloatVector x0 = FloatVector.fromArray(S, c, c0);
            int a0 = aOff + i * ars;
            int bp = bOff;
            for (int p = 0; p < k; p++, a0 += acs, bp += ldb) {
                x0 = FloatVector.broadcast(S, a[a0]).fma(FloatVector.fromArray(S, b, bp), x0);
            }
            x0.intoArray(c, c0);
        }
    }

    private static void scalar(int m, int n, int k, float[] a, int aOff, int ars, int acs,
                               float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            for (int j = 0; j < n; j++) {
                float acc = c[ci + j];
                int ap = aOff + i * ars;
                int bp = bOff + j;
                for (int p = 0; p < k; p++, ap += acs, bp += ldb) {
                    acc = Math.fma(a[ap], b[bp], acc);
                }
                c[ci + j] = acc;
            }
        }
    }
}

package org.legonet.core.encoder;

/**
 * Eigen-decomposition of a real symmetric matrix: Householder reduction to tridiagonal form, then
 * the implicit QL algorithm (after the public-domain JAMA routines tred2 and tql2, themselves from
 * EISPACK). Sequential double arithmetic in a fixed order, so the result is the same on every run.
 */
final class SymmetricEigen {
    /** Eigenvalues in descending order. */
    final double[] values;
    /** Eigenvectors as columns, {@code vectors[row][column]}, column j belongs to {@code values[j]}. */
    final double[][] vectors;

    /** Decomposes {@code a} (n x n, symmetric; only read). */
    SymmetricEigen(double[][] a) {
        int n = a.length;
        // v holds the transpose of JAMA's V (v[j][k] = V[k][j]), so that the inner loops, which walk
        // down JAMA's columns, walk along rows here; the arithmetic is the same, in the same order.
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                v[j][i] = a[i][j];
            }
        }
        double[] d = new double[n];
        double[] e = new double[n];
        tred2(n, v, d, e);
        tql2(n, v, d, e);
        // tql2 sorts ascending; reverse to descending and fix each vector's sign so that its
        // largest-magnitude component is positive (a convention, so fingerprints are stable).
        values = new double[n];
        vectors = new double[n][n];
        for (int j = 0; j < n; j++) {
            int src = n - 1 - j;
            values[j] = d[src];
            int arg = 0;
            for (int i = 1; i < n; i++) {
                if (Math.abs(v[src][i]) > Math.abs(v[src][arg])) {
                    arg = i;
                }
            }
            double sign = v[src][arg] < 0 ? -1.0 : 1.0;
            for (int i = 0; i < n; i++) {
                vectors[i][j] = sign * v[src][i];
            }
        }
    }

    private static void tred2(int n, double[][] v, double[] d, double[] e) {
        for (int j = 0; j < n; j++) {
            d[j] = v[j][n - 1];
        }
        for (int i = n - 1; i > 0; i--) {
            double scale = 0.0;
            double h = 0.0;
            for (int k = 0; k < i; k++) {
                scale = scale + Math.abs(d[k]);
            }
            if (scale == 0.0) {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++) {
                    d[j] = v[j][i - 1];
                    v[j][i] = 0.0;
                    v[i][j] = 0.0;
                }
            } else {
                for (int k = 0; k < i; k++) {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                double f = d[i - 1];
                double g = Math.sqrt(h);
                if (f > 0) {
                    g = -g;
                }
                e[i] = scale * g;
                h = h - f * g;
                d[i - 1] = f - g;
                for (int j = 0; j < i; j++) {
                    e[j] = 0.0;
                }
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    v[i][j] = f;
                    g = e[j] + v[j][j] * f;
                    for (int k = j + 1; k <= i - 1; k++) {
                        g += v[j][k] * d[k];
                        e[k] += v[j][k] * f;
                    }
                    e[j] = g;
                }
                f = 0.0;
                for (int j = 0; j < i; j++) {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                double hh = f / (h + h);
                for (int j = 0; j < i; j++) {
                    e[j] -= hh * d[j];
                }
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    g = e[j];
                    for (int k = j; k <= i - 1; k++) {
                        v[j][k] -= (f * e[k] + g * d[k]);
                    }
                    d[j] = v[j][i - 1];
                    v[j][i] = 0.0;
                }
            }
            d[i] = h;
        }
        for (int i = 0; i < n - 1; i++) {
            v[i][n - 1] = v[i][i];
            v[i][i] = 1.0;
            double h = d[i + 1];
            if (h != 0.0) {
                for (int k = 0; k <= i; k++) {
                    d[k] = v[i + 1][k] / h;
                }
                for (int j = 0; j <= i; j++) {
                    double g = 0.0;
                    for (int k = 0; k <= i; k++) {
                        g += v[i + 1][k] * v[j][k];
                    }
                    for (int k = 0; k <= i; k++) {
                        v[j][k] -= g * d[k];
                    }
                }
            }
            for (int k = 0; k <= i; k++) {
                v[i + 1][k] = 0.0;
            }
        }
        for (int j = 0; j < n; j++) {
            d[j] = v[j][n - 1];
            v[j][n - 1] = 0.0;
        }
        v[n - 1][n - 1] = 1.0;
        e[0] = 0.0;
    }

    private static void tql2(int n, double[][] v, double[] d, double[] e) {
        for (int i = 1; i < n; i++) {
            e[i - 1] = e[i];
        }
        e[n - 1] = 0.0;
        double f = 0.0;
        double tst1 = 0.0;
        double eps = Math.pow(2.0, -52.0);
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n) {
                if (Math.abs(e[m]) <= eps * tst1) {
                    break;
                }
                m++;
            }
            if (m > l) {
                int iter = 0;
                do {
                    iter = iter + 1;
                    if (iter > 300) {
                        throw new ArithmeticException("eigen-decomposition did not converge");
                    }
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2.0 * e[l]);
                    double r = hypot(p, 1.0);
                    if (p < 0) {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) {
                        d[i] -= h;
                    }
                    f = f + h;
                    p = d[m];
                    double c = 1.0;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0.0;
                    double s2 = 0.0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        for (int k = 0; k < n; k++) {
                            h = v[i + 1][k];
                            v[i + 1][k] = s * v[i][k] + c * h;
                            v[i][k] = c * v[i][k] - s * h;
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > eps * tst1);
            }
            d[l] = d[l] + f;
            e[l] = 0.0;
        }
        for (int i = 0; i < n - 1; i++) {
            int k = i;
            double p = d[i];
            for (int j = i + 1; j < n; j++) {
                if (d[j] < p) {
                    k = j;
                    p = d[j];
                }
            }
            if (k != i) {
                d[k] = d[i];
                d[i] = p;
                for (int j = 0; j < n; j++) {
                    p = v[i][j];
                    v[i][j] = v[k][j];
                    v[k][j] = p;
                }
            }
        }
    }

    /** sqrt(a^2 + b^2) without overflow, from basic operations (StrictMath.hypot is slow). */
    private static double hypot(double a, double b) {
        double x = Math.abs(a);
        double y = Math.abs(b);
        if (x < y) {
            double t = x;
            x = y;
            y = t;
        }
        if (x == 0.0) {
            return 0.0;
        }
        double r = y / x;
        return x * Math.sqrt(1.0 + r * r);
    }
}

package org.legonet.core.routing;

import org.legonet.core.Distance;
import org.legonet.core.KeyMethod;

import java.util.Arrays;
import java.util.Locale;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.kernel.Gemm;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/**
 * Builds the n frozen keys from public encodings only, then calibrates the per-key offsets so that
 * public samples spread evenly over the keys (and therefore, the public and private samples being
 * drawn alike, private samples too). No private statistic is involved (docs/design.md, contract points 1 and 2).
 */
public final class KeyBuilder {
    /** How keys are placed. */
    private static final int KMEANS_ITERATIONS = 40;
    private static final int KMEANS_BLOCK = 256;
    private static final int BALANCE_ROUNDS = 150;

    private KeyBuilder() {
    }

    /**
     * Places {@code n} keys, then (when {@code balance}) fits the offsets on the same public
     * encodings for activation of {@code k} keys per sample.
     *
     * @param pub  public encodings, {@code rows * dim}, row-major (read only)
     */
    public static Keys build(float[] pub, int rows, int dim, int n, int k, KeyMethod method, Distance distance,
                             boolean balance, long seed, Progress progress) {
        if (n < 1) {
            throw new InvalidSettingException("adapters", "adapters must be at least 1, got " + n);
        }
        if (k < 1 || k > n) {
            throw new InvalidSettingException("activate", "activate must be between 1 and the number of adapters, " + n
                    + ", got " + k);
        }
        if (rows < n) {
            throw new InvalidSettingException("adapters", "adapters (" + n + ") need at least as many public samples to"
                    + " place their keys, got " + rows + "; lower adapters or use a larger public split");
        }
        progress.start("place " + n + " keys (" + method.label() + ")", balance ? 2 : 1);
        float[] centres = method == KeyMethod.KMEANS
                ? kmeans(pub, rows, dim, n, distance, seed)
                : publicSample(pub, rows, dim, n, seed);
        progress.step(1);
        Keys keys = new Keys(n, dim, distance, centres, new double[n], 1.0);
        double[][] dist = distances(keys, pub, rows);
        double[] offsets = balance ? balanceOffsets(dist, n, k) : new double[n];
        if (balance) {
            progress.step(1);
        }
        progress.finish();
        return keys.withOffsets(offsets, temperature(dist));
    }

    private static float[] kmeans(float[] x, int rows, int dim, int n, Distance distance, long seed) {
        final float[] data = distance == Distance.COSINE ? new float[rows * dim] : x;
        if (distance == Distance.COSINE) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    s += (double) x[r * dim + d] * x[r * dim + d];
                }
                float inv = s == 0 ? 0f : (float) (1.0 / Math.sqrt(s));
                for (int d = 0; d < dim; d++) {
                    data[r * dim + d] = x[r * dim + d] * inv;
                }
            }
        }
        Rng rng = new Rng(Rng.derive(seed, 0x4B4D));
        double[] c = new double[n * dim];
        double[] nearest = new double[rows];
        Arrays.fill(nearest, Double.POSITIVE_INFINITY);
        int first = rng.nextInt(rows);
        for (int d = 0; d < dim; d++) {
            c[d] = data[first * dim + d];
        }
        for (int j = 1; j < n; j++) {
            double total = 0;
            for (int r = 0; r < rows; r++) {
                nearest[r] = Math.min(nearest[r], sq(data, r * dim, c, (j - 1) * dim, dim));
                total += nearest[r];
            }
            int pick = rows - 1;
            if (total > 0) {
                double u = rng.nextDouble() * total;
                double acc = 0;
                for (int r = 0; r < rows; r++) {
                    acc += nearest[r];
                    if (acc > u) {
                        pick = r;
                        break;
                    }
                }
            } else {
                pick = rng.nextInt(rows);
            }
            for (int d = 0; d < dim; d++) {
                c[j * dim + d] = data[pick * dim + d];
            }
        }
        int[] assign = new int[rows];
        Arrays.fill(assign, -1);
        double[] sums = new double[n * dim];
        int[] counts = new int[n];
        float[] xx = new float[rows];
        for (int r = 0; r < rows; r++) {
            float sq = 0;
            for (int d = 0; d < dim; d++) {
                sq = Math.fma(data[r * dim + d], data[r * dim + d], sq);
            }
            xx[r] = sq;
        }
        float[] ct = new float[dim * n];
        float[] cc = new float[n];
        float[] dots = new float[KMEANS_BLOCK * n];
        for (int it = 0; it < KMEANS_ITERATIONS; it++) {
            // |x - c|^2 = |x|^2 - 2 x.c + |c|^2 with x.c from the deterministic kernel, in blocks of rows
            for (int j = 0; j < n; j++) {
                float sq = 0;
                for (int d = 0; d < dim; d++) {
                    float v = (float) c[j * dim + d];
                    ct[d * n + j] = v;
                    sq = Math.fma(v, v, sq);
                }
                cc[j] = sq;
            }
            int changed = 0;
            for (int from = 0; from < rows; from += KMEANS_BLOCK) {
                int m = Math.min(KMEANS_BLOCK, rows - from);
                Arrays.fill(dots, 0, m * n, 0f);
                Gemm.mulAdd(m, n, dim, data, from * dim, dim, 1, ct, 0, n, dots, 0, n);
                for (int i = 0; i < m; i++) {
                    int r = from + i;
                    int best = 0;
                    float bd = Float.POSITIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        float dd = xx[r] - 2f * dots[i * n + j] + cc[j];
                        if (dd < bd) {
                            bd = dd;
                            best = j;
                        }
                    }
                    nearest[r] = Math.max(bd, 0f);
                    if (assign[r] != best) {
                        assign[r] = best;
                        changed++;
                    }
                }
            }
            if (changed == 0) {
                break;
            }
            Arrays.fill(sums, 0);
            Arrays.fill(counts, 0);
            for (int r = 0; r < rows; r++) {
                int j = assign[r];
                counts[j]++;
                for (int d = 0; d < dim; d++) {
                    sums[j * dim + d] += data[r * dim + d];
                }
            }
            for (int j = 0; j < n; j++) {
                if (counts[j] == 0) {
                    // an empty cluster takes the sample farthest from its centre
                    int far = 0;
                    for (int r = 1; r < rows; r++) {
                        if (nearest[r] > nearest[far]) {
                            far = r;
                        }
                    }
                    nearest[far] = 0;
                    for (int d = 0; d < dim; d++) {
                        c[j * dim + d] = data[far * dim + d];
                    }
                } else {
                    for (int d = 0; d < dim; d++) {
                        c[j * dim + d] = sums[j * dim + d] / counts[j];
                    }
                }
            }
        }
        float[] out = new float[n * dim];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) c[i];
        }
        return out;
    }

    private static double sq(float[] x, int xo, double[] c, int co, int dim) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
            double t = x[xo + d] - c[co + d];
            s += t * t;
        }
        return s;
    }

    private static float[] publicSample(float[] x, int rows, int dim, int n, long seed) {
        Rng rng = new Rng(Rng.derive(seed, 0x5053));
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) {
            order[i] = i;
        }
        rng.shuffle(order);
        double[] rms = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < dim; d++) {
                rms[d] += (double) x[r * dim + d] * x[r * dim + d];
            }
        }
        float[] out = new float[n * dim];
        for (int j = 0; j < n; j++) {
            for (int d = 0; d < dim; d++) {
                double noise = 0.01 * Math.sqrt(rms[d] / rows) * rng.nextGaussian();
                out[j * dim + d] = (float) (x[order[j] * dim + d] + noise);
            }
        }
        return out;
    }

    private static double[][] distances(Keys keys, float[] pub, int rows) {
        double[][] dist = new double[rows][keys.count()];
        java.util.stream.IntStream.range(0, rows).parallel().forEach(r -> {
            for (int j = 0; j < keys.count(); j++) {
                dist[r][j] = keys.distance(pub, r * keys.dim(), j);
            }
        });
        return dist;
    }

    /** Median distance to the nearest key over the public samples: the scale of weighted aggregation. */
    private static double temperature(double[][] dist) {
        double[] nearest = new double[dist.length];
        for (int r = 0; r < dist.length; r++) {
            double m = Double.POSITIVE_INFINITY;
            for (double d : dist[r]) {
                m = Math.min(m, d);
            }
            nearest[r] = m;
        }
        Arrays.sort(nearest);
        double t = nearest[nearest.length / 2];
        return t > 0 && Double.isFinite(t) ? t : 1.0;
    }

    /**
     * Dual ascent on the per-key offsets: a key that attracts more than its share k * rows / n of
     * public samples gets a lower offset (a higher score), one that attracts fewer a higher one.
     * Keeps the offsets with the lowest sum of squared counts seen (the expected removal cost).
     */
    static double[] balanceOffsets(double[][] dist, int n, int k) {
        int rows = dist.length;
        double target = (double) k * rows / n;
        double scale = 0;
        for (double[] row : dist) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double d : row) {
                lo = Math.min(lo, d);
                hi = Math.max(hi, d);
            }
            scale += hi - lo;
        }
        scale /= rows;
        double[] offsets = new double[n];
        double[] best = offsets.clone();
        double bestCost = Double.POSITIVE_INFINITY;
        int[] counts = new int[n];
        for (int round = 0; round < BALANCE_ROUNDS; round++) {
            countTopK(dist, offsets, k, counts);
            double cost = 0;
            for (int c : counts) {
                cost += (double) c * c;
            }
            if (cost < bestCost) {
                bestCost = cost;
                best = offsets.clone();
            }
            double step = scale * 0.05 * Math.pow(0.01, (double) round / BALANCE_ROUNDS);
            for (int j = 0; j < n; j++) {
                offsets[j] += step * (target - counts[j]) / target;
            }
        }
        return best;
    }

    /** How many rows rank each key among their k best; integer counts, so the parallel sum is exact. */
    private static void countTopK(double[][] dist, double[] offsets, int k, int[] counts) {
        int n = counts.length;
        int[] total = java.util.stream.IntStream.range(0, (dist.length + 1023) / 1024).parallel().mapToObj(b -> {
            int[] local = new int[n];
            int[] top = new int[k];
            double[] topScore = new double[k];
            for (int r = b * 1024; r < Math.min(dist.length, b * 1024 + 1024); r++) {
                topK(dist[r], offsets, k, top, topScore);
                for (int t : top) {
                    local[t]++;
                }
            }
            return local;
        }).reduce(new int[n], (a, b2) -> {
            int[] s2 = new int[n];
            for (int j = 0; j < n; j++) {
                s2[j] = a[j] + b2[j];
            }
            return s2;
        });
        System.arraycopy(total, 0, counts, 0, n);
    }

    private static void topK(double[] row, double[] offsets, int k, int[] top, double[] topScore) {
        int filled = 0;
        for (int j = 0; j < row.length; j++) {
            double s = row[j] - offsets[j];
            if (filled < k || s < topScore[k - 1]) {
                int p = filled < k ? filled++ : k - 1;
                while (p > 0 && topScore[p - 1] > s) {
                    topScore[p] = topScore[p - 1];
                    top[p] = top[p - 1];
                    p--;
                }
                topScore[p] = s;
                top[p] = j;
            }
        }
    }
}

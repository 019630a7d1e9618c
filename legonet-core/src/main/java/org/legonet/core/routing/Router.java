package org.legonet.core.routing;

import java.util.stream.IntStream;

/**
 * Activation: a sample activates the k adapters whose keys have the lowest score (distance minus
 * the key's frozen offset), ties broken by the lower adapter index. A route depends only on the
 * sample's own encoding and the frozen keys (docs/design.md, contract point 2). Immutable, thread-safe.
 */
public final class Router {
    private final Keys keys;
    private final int k;

    public Router(Keys keys, int k) {
        if (k < 1 || k > keys.count()) {
            throw new IllegalArgumentException("activate k=" + k + " must be between 1 and the number of adapters "
                    + keys.count());
        }
        this.keys = keys;
        this.k = k;
    }

    public Keys keys() {
        return keys;
    }

    /** Adapters activated per sample. */
    public int k() {
        return k;
    }

    /** Adapters in all. */
    public int adapters() {
        return keys.count();
    }

    /**
     * Writes the activated adapters of {@code x[off .. off + dim)} into {@code out[outOff .. outOff + k)},
     * in ascending adapter index, and (when {@code dist} is not null) their raw distances into
     * {@code dist[outOff ..]}. Only {@code out} and {@code dist} are modified.
     */
    public void route(float[] x, int off, int[] out, int outOff, double[] dist) {
        int n = keys.count();
        int[] best = new int[k];
        double[] bestScore = new double[k];
        int filled = 0;
        for (int j = 0; j < n; j++) {
            double s = keys.score(x, off, j);
            if (filled < k) {
                int p = filled++;
                while (p > 0 && bestScore[p - 1] > s) {
                    bestScore[p] = bestScore[p - 1];
                    best[p] = best[p - 1];
                    p--;
                }
                bestScore[p] = s;
                best[p] = j;
            } else if (s < bestScore[k - 1]) {
                int p = k - 1;
                while (p > 0 && bestScore[p - 1] > s) {
                    bestScore[p] = bestScore[p - 1];
                    best[p] = best[p - 1];
                    p--;
                }
                bestScore[p] = s;
                best[p] = j;
            }
        }
        java.util.Arrays.sort(best);
        for (int i = 0; i < k; i++) {
            out[outOff + i] = best[i];
            if (dist != null) {
                dist[outOff + i] = keys.distance(x, off, best[i]);
            }
        }
    }

    /** The route of one encoding. */
    public Route route(float[] encoding) {
        int[] a = new int[k];
        double[] d = new double[k];
        route(encoding, 0, a, 0, d);
        return new Route(a, d);
    }

    /**
     * Routes {@code rows} encodings (row-major, {@code dim} each) in parallel; each row's route is
     * computed independently, so the result does not depend on the thread count.
     *
     * @return {@code rows * k} adapter indices, each row ascending
     */
    public int[] routeAll(float[] encodings, int rows, int threads) {
        int dim = keys.dim();
        int[] out = new int[rows * k];
        Runnable body = () -> IntStream.range(0, rows).parallel()
                .forEach(r -> route(encodings, r * dim, out, r * k, null));
        if (threads <= 1) {
            for (int r = 0; r < rows; r++) {
                route(encodings, r * dim, out, r * k, null);
            }
        } else {
            java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(threads);
            try {
                pool.submit(body).join();
            } finally {
                pool.shutdown();
            }
        }
        return out;
    }
}

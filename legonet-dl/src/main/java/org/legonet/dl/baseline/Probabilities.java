package org.legonet.dl.baseline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.kernel.FastMath;
import org.legonet.core.model.LegoNetModel;
import org.legonet.dl.cnn.CnnWeights;

/** Class probabilities of end-to-end CNNs on raw samples, computed in Java on several threads. */
public final class Probabilities {
    private Probabilities() {
    }

    /**
     * Softmax probabilities of {@code net} for {@code rows} of {@code data}.
     *
     * @return {@code rows.length * net.classes()} values, row-major
     */
    public static float[] of(CnnWeights net, Dataset data, int[] rows, int threads) {
        int classes = net.classes();
        float[] out = new float[rows.length * classes];
        int dim = data.dim();
        int parts = Math.max(1, Math.min(threads, rows.length / 64 + 1));
        ExecutorService pool = Executors.newFixedThreadPool(parts);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                final int from = (int) ((long) rows.length * p / parts);
                final int to = (int) ((long) rows.length * (p + 1) / parts);
                fs.add(pool.submit(() -> {
                    CnnWeights.Workspace ws = net.workspace();
                    float[] x = new float[dim];
                    float[] lg = new float[classes];
                    for (int i = from; i < to; i++) {
                        data.copyRow(rows[i], x, 0);
                        net.logits(x, 0, lg, ws);
                        FastMath.softmaxInPlace(lg, 0, classes);
                        System.arraycopy(lg, 0, out, i * classes, classes);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LegoNetException("interrupted", e);
        } catch (ExecutionException e) {
            throw new LegoNetException("inference failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    /** Fraction of rows whose highest probability is their label ({@code NaN} for no rows). */
    public static double accuracy(float[] probs, int classes, int[] labels) {
        if (labels.length == 0) {
            return Double.NaN;
        }
        int[] predicted = LegoNetModel.argmax(probs, labels.length, classes);
        int ok = 0;
        for (int i = 0; i < labels.length; i++) {
            ok += predicted[i] == labels[i] ? 1 : 0;
        }
        return ok / (double) labels.length;
    }

    /** All rows of a dataset, 0..size-1. */
    public static int[] allRows(Dataset d) {
        int[] r = new int[d.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = i;
        }
        return r;
    }
}

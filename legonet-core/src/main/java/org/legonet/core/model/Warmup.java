package org.legonet.core.model;

import org.legonet.core.adapter.AdapterSpec;
import org.legonet.core.adapter.DenseAdapterTrainer;
import org.legonet.core.adapter.Optimizer;
import org.legonet.core.adapter.TrainConfig;
import org.legonet.core.adapter.TrainingSet;
import org.legonet.core.util.Rng;

/**
 * Gets the JIT to compile the training kernels while a short-lived process does something else
 * (reading a model directory). The Vector API is slow until the JIT compiles it, so the first
 * adapter a fresh JVM trains takes several times longer than the next; a forget from the command
 * line trains only a few adapters and would mostly measure that. Results are unaffected: compiled
 * and interpreted kernels produce the same bits.
 */
public final class Warmup {
    private Warmup() {
    }

    /** Starts training two throw-away adapters on random data on a daemon thread. */
    public static Thread start() {
        Thread t = new Thread(Warmup::run, "legonet-warmup");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
        return t;
    }

    static void run() {
        int n = 384;
        int d = 64;
        int classes = 10;
        Rng rng = new Rng(1);
        float[] enc = new float[n * d];
        int[] labels = new int[n];
        long[] ids = new long[n];
        int[] rows = new int[n];
        for (int i = 0; i < enc.length; i++) {
            enc[i] = (float) rng.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(classes);
            ids[i] = i;
            rows[i] = i;
        }
        TrainingSet set = new TrainingSet(enc, d, labels, ids, rows, classes);
        for (String arch : new String[] {"mlp:128", "linear"}) {
            new DenseAdapterTrainer(new TrainConfig(AdapterSpec.parse(arch), Optimizer.ADAM, 3, 64, 1e-3f, true, 0.9f, 0f))
                    .train(0, 1, set);
        }
    }
}

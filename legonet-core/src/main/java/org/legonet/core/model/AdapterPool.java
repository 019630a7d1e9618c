package org.legonet.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.legonet.core.LegoNetException;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.adapter.AdapterTrainer;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;

/**
 * Trains adapters in parallel: one adapter per task, each on one thread from start to end, so
 * parallelism never enters a reduction (docs/design.md, contract point 4). Largest adapters start first
 * to shorten the makespan; the order of execution never changes a result.
 */
public final class AdapterPool {
    private static final long ADAPTER_SEED_TAG = 0x41;

    private AdapterPool() {
    }

    /** seed_j: from the model seed and the adapter index only (docs/design.md, contract point 3). */
    public static long adapterSeed(long modelSeed, int j) {
        return Rng.derive(modelSeed, ADAPTER_SEED_TAG, j);
    }

    /**
     * Trains the adapters {@code which} from scratch on their retained samples.
     *
     * @return the adapters, in the order of {@code which}
     */
    public static Adapter[] train(AdapterTrainer trainer, PrivateSet data, int[] which, long modelSeed, int classes,
                                  int threads, Progress progress) {
        Adapter[] out = new Adapter[which.length];
        if (which.length == 0) {
            return out;
        }
        Integer[] order = new Integer[which.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> -data.size(which[i])).thenComparingInt(i -> which[i]));
        long totalSamples = 0;
        for (int j : which) {
            totalSamples += data.size(j);
        }
        progress.start("train " + which.length + " adapter" + (which.length == 1 ? "" : "s"), Math.max(1, totalSamples));
        int poolSize = Math.max(1, Math.min(threads, which.length));
        if (poolSize == 1) {
            for (Integer i : order) {
                out[i] = trainer.train(which[i], adapterSeed(modelSeed, which[i]), data.trainingSet(which[i], classes));
                progress.step(Math.max(1, data.size(which[i])));
            }
            progress.finish();
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(poolSize, r -> {
            Thread t = new Thread(r, "legonet-adapter");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Integer i : order) {
                futures.add(pool.submit(() -> {
                    out[i] = trainer.train(which[i], adapterSeed(modelSeed, which[i]), data.trainingSet(which[i], classes));
                    progress.step(Math.max(1, data.size(which[i])));
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LegoNetException("interrupted while training adapters", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            throw new LegoNetException("adapter training failed: " + c, c);
        } finally {
            pool.shutdownNow();
            progress.finish();
        }
        return out;
    }

    /** Every adapter index {@code 0 .. n-1}. */
    public static int[] all(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}

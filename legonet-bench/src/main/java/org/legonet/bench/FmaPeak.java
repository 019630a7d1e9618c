package org.legonet.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.legonet.core.kernel.Simd;

/**
 * The machine's single-precision FMA peak as this JVM reaches it: every thread runs twelve
 * independent chains of vector fused multiply-adds (enough to hide the FMA latency), on the same
 * vector species the training kernels use. Counted as 2 FLOP per lane per FMA.
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = Simd.SPECIES;
    private static final int CHAINS = 12;

    private FmaPeak() {
    }

    /** GFLOP/s of {@code threads} threads, best of {@code rounds} runs of {@code seconds} each. */
    public static double measure(int threads, double seconds, int rounds) {
        double best = 0;
        long iters = calibrate(seconds);
        for (int r = 0; r < rounds; r++) {
            best = Math.max(best, run(threads, iters));
        }
        return best;
    }

    private static long calibrate(double seconds) {
        kernel(200_000);
        long iters = 1_000_000;
        while (true) {
            long t0 = System.nanoTime();
            kernel(iters);
            double s = (System.nanoTime() - t0) / 1e9;
            if (s > 0.05) {
                return Math.max(1, (long) (iters * seconds / s));
            }
            iters *= 4;
        }
    }

    private static double run(int threads, long iters) {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<Float>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(() -> kernel(iters));
            }
            long t0 = System.nanoTime();
            List<Future<Float>> fs = pool.invokeAll(tasks);
            for (Future<Float> f : fs) {
                f.get();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            return threads * (double) iters * CHAINS * Simd.LANES * 2 / s / 1e9;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    static float kernel(long iters) {
        if (S == null) {
            return scalar(iters);
        }
        FloatVector a0 = FloatVector.broadcast(S, 1f);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector a4 = a0;
        FloatVector a5 = a0;
        FloatVector a6 = a0;
        FloatVector a7 = a0;
        FloatVector a8 = a0;
        FloatVector a9 = a0;
        FloatVector a10 = a0;
        FloatVector a11 = a0;
        FloatVector m = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-7f);
        for (long i = 0; i < iters; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }

    private static float scalar(long iters) {
        float a0 = 1, a1 = 1, a2 = 1, a3 = 1, a4 = 1, a5 = 1, a6 = 1, a7 = 1, a8 = 1, a9 = 1, a10 = 1, a11 = 1;
        for (long i = 0; i < iters; i++) {
            a0 = Math.fma(a0, 0.999999f, 1e-7f);
            a1 = Math.fma(a1, 0.999999f, 1e-7f);
            a2 = Math.fma(a2, 0.999999f, 1e-7f);
            a3 = Math.fma(a3, 0.999999f, 1e-7f);
            a4 = Math.fma(a4, 0.999999f, 1e-7f);
            a5 = Math.fma(a5, 0.999999f, 1e-7f);
            a6 = Math.fma(a6, 0.999999f, 1e-7f);
            a7 = Math.fma(a7, 0.999999f, 1e-7f);
            a8 = Math.fma(a8, 0.999999f, 1e-7f);
            a9 = Math.fma(a9, 0.999999f, 1e-7f);
            a10 = Math.fma(a10, 0.999999f, 1e-7f);
            a11 = Math.fma(a11, 0.999999f, 1e-7f);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }
}

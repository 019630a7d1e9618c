package org.legonet.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The scaling study's cost model on paper. A one-sample removal retrains the k adapters the sample activated, which
 * hold about k N / n samples each, so it trains on about k² N / n samples: constant when n grows with N. Each adapter
 * is one task, so on C executors (one core each) the k retrainings run side by side when C &ge; k. A retrain-all trains
 * on k N samples, spread over C executors. The constants come from the largest in-process run of the study:
 * seconds per trained sample (one core) from its retrain-all, and the non-training part of a removal (the store
 * update) from its Single p50.
 */
final class CostModel {
    static final int[] FACTORS = {100, 1000};
    static final int[] EXECUTORS = {1, 10, 100};

    private CostModel() {
    }

    static ScaleResults.CostModel of(List<ScaleResults.Scale> scales, int threads) {
        ScaleResults.Scale largest = null;
        for (ScaleResults.Scale s : scales) {
            if (s.inProcess().retrainAllSeconds() != null) {
                largest = s;
            }
        }
        if (largest == null) {
            return null;
        }
        BenchResults.SettingResult r = largest.inProcess();
        double trainedSamples = (double) r.k() * largest.privateSamples();
        // retrain-all ran on `threads` threads: one core's time per trained sample
        double perSample = r.retrainAllSeconds() * threads / trainedSamples;
        // the store update's share of a removal: p50 minus retraining, a line in n through the smallest and the
        // largest factor (its manifest and bookkeeping grow with n), never below the smallest factor's
        ScaleResults.Scale smallest = scales.get(0);
        double fixedLarge = storeSeconds(r);
        double fixedSmall = storeSeconds(smallest.inProcess());
        double slope = largest == smallest ? 0 : Math.max(0, (fixedLarge - fixedSmall)
                / (r.n() - smallest.inProcess().n()));
        int baseN = r.n() / largest.factor();
        long basePrivate = largest.privateSamples() / largest.factor();
        List<ScaleResults.CostRow> rows = new ArrayList<>();
        for (int f : FACTORS) {
            long bigN = basePrivate * f;
            int n = baseN * f;
            int k = r.k();
            double perRemoval = (double) k * k * bigN / n;
            for (int c : EXECUTORS) {
                double fixed = fixedLarge + slope * (n - r.n());
                double removal = perSample * perRemoval / Math.min(k, c) + fixed;
                double all = perSample * k * bigN / c;
                rows.add(new ScaleResults.CostRow(f, bigN, n, k, c, Benchmark.r1(perRemoval), Benchmark.r3(removal),
                        Benchmark.r1(all)));
            }
        }
        return new ScaleResults.CostModel(perSample, Benchmark.r4(fixedLarge), Benchmark.r4(slope * 1000), threads, rows,
                "removal s = t * k^2 N / n / min(k, C) + store(n); retrain-all s = t * k N / C; t = one core's adapter "
                        + "training time per sample, from the x" + largest.factor() + " retrain-all; store(n) = the "
                        + "measured non-training part of a removal, a line in n through the smallest and largest factor");
    }

    private static double storeSeconds(BenchResults.SettingResult r) {
        return Math.max(0, r.single().p50Seconds() - r.single().p50TrainSeconds());
    }
}

package org.legonet.bench.privacy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.legonet.core.util.Rng;

/**
 * How well a score separates two sets: a membership attack's ROC curve, its AUC with a bootstrap
 * interval, and its true-positive rate at a fixed false-positive rate. A higher score means "more
 * likely a member" (a positive). Ties count half, as in the Mann-Whitney statistic, so an attack
 * that gives every sample the same score has AUC 0.5 exactly. Immutable; reads its arrays once.
 */
public final class Roc {
    /** Every score, ascending; {@code positive[i]} says whether {@code scores[i]} came from a positive. */
    private final double[] scores;
    private final boolean[] positive;
    private final int positives;
    private final int negatives;

    /**
     * @param positives scores of the samples the attack should call members (not modified)
     * @param negatives scores of the others (not modified)
     * @throws IllegalArgumentException when either set is empty or a score is NaN
     */
    public Roc(double[] positives, double[] negatives) {
        if (positives.length == 0 || negatives.length == 0) {
            throw new IllegalArgumentException("an ROC needs both sets, got " + positives.length + " positives and "
                    + negatives.length + " negatives");
        }
        int n = positives.length + negatives.length;
        Integer[] order = new Integer[n];
        double[] all = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            all[i] = i < positives.length ? positives[i] : negatives[i - positives.length];
            if (Double.isNaN(all[i])) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
        }
        Arrays.sort(order, (a, b) -> Double.compare(all[a], all[b]));
        this.scores = new double[n];
        this.positive = new boolean[n];
        for (int i = 0; i < n; i++) {
            scores[i] = all[order[i]];
            positive[i] = order[i] < positives.length;
        }
        this.positives = positives.length;
        this.negatives = negatives.length;
    }

    public int positives() {
        return positives;
    }

    public int negatives() {
        return negatives;
    }

    /** The probability that a random positive outscores a random negative (ties count half). */
    public double auc() {
        return weightedAuc(null);
    }

    /**
     * AUC with every sample counted {@code weight[i]} times (i in ascending score order), or once
     * when {@code weight} is null: one pass over the sorted scores.
     */
    private double weightedAuc(int[] weight) {
        double below = 0; // weight of negatives strictly below the current tie group
        double pos = 0;
        double neg = 0;
        double sum = 0;
        int i = 0;
        int n = scores.length;
        while (i < n) {
            int j = i;
            double gp = 0;
            double gn = 0;
            while (j < n && scores[j] == scores[i]) {
                int w = weight == null ? 1 : weight[j];
                if (positive[j]) {
                    gp += w;
                } else {
                    gn += w;
                }
                j++;
            }
            sum += gp * (below + gn / 2.0);
            below += gn;
            pos += gp;
            neg += gn;
            i = j;
        }
        return pos == 0 || neg == 0 ? 0.5 : sum / (pos * neg);
    }

    /** A two-sided interval, e.g. a 95% bootstrap interval. */
    public record Interval(double low, double high) {
    }

    /**
     * The percentile bootstrap interval of the AUC: {@code resamples} times, draw the positives
     * and the negatives each with replacement (the two set sizes kept), and take the
     * {@code (1-level)/2} and {@code (1+level)/2} quantiles of the resampled AUCs. Seeded: the same
     * seed gives the same interval.
     */
    public Interval bootstrap(int resamples, double level, long seed) {
        if (resamples < 1 || !(level > 0 && level < 1)) {
            throw new IllegalArgumentException("bootstrap needs at least 1 resample and a level in (0, 1), got "
                    + resamples + " and " + level);
        }
        int n = scores.length;
        int[] posIdx = new int[positives];
        int[] negIdx = new int[negatives];
        for (int i = 0, p = 0, q = 0; i < n; i++) {
            if (positive[i]) {
                posIdx[p++] = i;
            } else {
                negIdx[q++] = i;
            }
        }
        Rng rng = new Rng(seed);
        double[] aucs = new double[resamples];
        int[] weight = new int[n];
        for (int b = 0; b < resamples; b++) {
            Arrays.fill(weight, 0);
            for (int i = 0; i < positives; i++) {
                weight[posIdx[rng.nextInt(positives)]]++;
            }
            for (int i = 0; i < negatives; i++) {
                weight[negIdx[rng.nextInt(negatives)]]++;
            }
            aucs[b] = weightedAuc(weight);
        }
        Arrays.sort(aucs);
        return new Interval(quantile(aucs, (1 - level) / 2), quantile(aucs, (1 + level) / 2));
    }

    /** The {@code q} quantile of ascending {@code sorted}, interpolated linearly between ranks. */
    static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * The highest true-positive rate of a threshold whose false-positive rate is at most
     * {@code fpr}: calling members every sample scoring at least the threshold. With N negatives
     * the rate is resolved only to 1/N (at 0.1% FPR and 2,000 negatives: 2 false positives allowed).
     */
    public double tprAt(double fpr) {
        double best = 0;
        for (double[] p : curve()) {
            if (p[0] <= fpr + 1e-12) {
                best = Math.max(best, p[1]);
            }
        }
        return best;
    }

    /**
     * The ROC curve: one (false-positive rate, true-positive rate) point per distinct threshold,
     * from (0, 0) (call nothing a member) to (1, 1) (call everything one).
     */
    public List<double[]> curve() {
        List<double[]> out = new ArrayList<>();
        out.add(new double[] {0, 0});
        int tp = 0;
        int fp = 0;
        int i = scores.length - 1;
        while (i >= 0) {
            int j = i;
            while (j >= 0 && scores[j] == scores[i]) {
                if (positive[j]) {
                    tp++;
                } else {
                    fp++;
                }
                j--;
            }
            out.add(new double[] {(double) fp / negatives, (double) tp / positives});
            i = j;
        }
        return out;
    }

    /**
     * {@link #curve()} thinned for a log-log plot: the first and last points, the last point at
     * false-positive rate 0, and each point at least {@code step} decades (on either axis) from the
     * point kept before it. Enough to draw the curve, from about 4 / step points.
     */
    public List<double[]> curve(double step) {
        List<double[]> all = curve();
        List<double[]> out = new ArrayList<>();
        double[] last = all.get(0);
        out.add(last);
        for (int i = 1; i < all.size(); i++) {
            double[] p = all.get(i);
            boolean keep = i == all.size() - 1
                    || (p[0] == 0 ? all.get(i + 1)[0] > 0 : last[0] == 0 || decades(last[0], p[0]) >= step
                    || decades(last[1], p[1]) >= step);
            if (keep) {
                out.add(p);
                last = p;
            }
        }
        return out;
    }

    private static double decades(double a, double b) {
        return Math.abs(Math.log10(Math.max(a, 1e-9)) - Math.log10(Math.max(b, 1e-9)));
    }
}

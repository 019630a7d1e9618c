package org.legonet.bench.privacy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.legonet.core.Edit;
import org.legonet.core.ForgetRequest;
import org.legonet.core.Progress;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.unlearn.Step;
import org.legonet.core.unlearn.Updater;
import org.legonet.core.util.Rng;

/**
 * The before/after attack (Chen et al., "When Machine Unlearning Jeopardizes Privacy", CCS 2021)
 * on LegoNet's own update step: forget one random retained sample x in memory with
 * {@link Updater#step} (nothing is written), then rank candidates (x among m other retained and m
 * unseen samples) by how well their route, the k adapters the frozen keys send them to, matches
 * the adapters the change exposed. Three observers see different things of one change:
 * <ul>
 *   <li><b>metadata</b>: the list of retrained adapters, as the log, receipts and metrics give it
 *       ({@code UpdateReport.adaptersRetrained()}: with route-hiding cover, the sample's adapters
 *       and the cover together), and nothing else: candidates that match it equally stay tied;
 *   <li><b>metadata+queries</b>: the same list, and answers of the model before and after (a client
 *       of a public prediction API): ties are broken by how much the candidate's loss rose;
 *   <li><b>weights</b>: the adapters whose bits changed between the two models (anyone who can read
 *       the directory before and after), ties broken by the loss rise. A cover adapter retrained
 *       from scratch on unchanged samples is bit-identical, so this observer sees the true set
 *       whatever the cover.
 * </ul>
 */
final class DeletionAttack {
    /** The observers, in the order of the results. */
    static final List<String> OBSERVERS = List.of("metadata", "metadata+queries", "weights");

    private final PrivateSet data;
    private final Updater.History history;
    private final Targets unseen;
    private final int threads;

    /**
     * @param history what the update step needs of the model's history (its forgotten ids and id hashes)
     * @param unseen  samples the model never held, the unseen candidates are drawn from
     */
    DeletionAttack(PrivateSet data, Updater.History history, Targets unseen, int threads) {
        this.data = data;
        this.history = history;
        this.unseen = unseen;
        this.threads = threads;
    }

    /**
     * Runs {@code trials} simulated forgets on each of {@code models} (the model with each cover to
     * test) and ranks {@code m} retained and {@code m} unseen candidates beside each forgotten
     * sample. Every model attacks the same samples, and the models take turns trial by trial, so
     * their seconds per removal are measured under the same load on the machine.
     *
     * @return one result per model, in order
     */
    List<PrivacyResults.Deletion> run(List<LegoNetModel> models, int trials, int m, long seed, Progress progress) {
        int[] retained = data.retainedRows();
        if (retained.length < m + 1 || unseen.size() < m) {
            throw new IllegalArgumentException("the before/after attack needs " + (m + 1) + " retained and " + m
                    + " unseen samples, got " + retained.length + " and " + unseen.size());
        }
        Rng rng = new Rng(seed);
        Updater updater = new Updater(threads, Progress.NONE);
        int views = OBSERVERS.size();
        int covers = models.size();
        // [cover][observer][trial]
        double[][][] hits1 = new double[covers][views][trials];
        double[][][] hits10 = new double[covers][views][trials];
        double[][][] auc = new double[covers][views][trials];
        double[][][] seen = new double[covers][views][trials];
        double[][] seconds = new double[covers][trials];
        LegoNetModel model = models.get(0); // the covers share every adapter: the same answers before
        int dim = data.dim();
        int c = model.classes();
        int k = model.router().k();
        progress.start("before/after attack: " + trials + " forgets x " + covers + " cover settings", trials);
        try {
            for (int t = 0; t < trials; t++) {
                int[] picks = distinct(rng, retained.length, m + 1);
                int[] fromUnseen = distinct(rng, unseen.size(), m);
                int rows = 2 * m + 1;
                float[] enc = new float[rows * dim];
                int[] labels = new int[rows];
                for (int i = 0; i <= m; i++) {
                    data.copyEncoding(retained[picks[i]], enc, i * dim);
                    labels[i] = data.label(retained[picks[i]]);
                }
                for (int i = 0; i < m; i++) {
                    System.arraycopy(unseen.enc(), fromUnseen[i] * dim, enc, (m + 1 + i) * dim, dim);
                    labels[m + 1 + i] = unseen.labels()[fromUnseen[i]];
                }
                long x = data.id(retained[picks[0]]); // candidate 0 is the sample forgotten
                int[] routes = new int[rows * k];
                float[] before = model.predictEncoded(enc, rows, routes);
                for (int v = 0; v < covers; v++) {
                    long t0 = System.nanoTime();
                    Step step = updater.step(models.get(v), data, history, Edit.forget(ForgetRequest.ofIds(x)), null,
                            false);
                    seconds[v][t] = (System.nanoTime() - t0) / 1e9;
                    LegoNetModel next = step.model();
                    float[] after = next.predictEncoded(enc, rows);
                    double[] lossRise = new double[rows];
                    for (int i = 0; i < rows; i++) {
                        lossRise[i] = Math.log(Math.max(before[i * c + labels[i]], 1e-30))
                                - Math.log(Math.max(after[i * c + labels[i]], 1e-30));
                    }
                    Set<Integer> listed = new HashSet<>(step.report().adaptersRetrained());
                    Set<Integer> changed = changedAdapters(model, next);
                    for (int o = 0; o < views; o++) {
                        Set<Integer> observed = o < 2 ? listed : changed;
                        Rank r = Rank.of(scores(routes, k, observed, o == 0 ? null : lossRise), 0);
                        hits1[v][o][t] = r.within(1);
                        hits10[v][o][t] = r.within(10);
                        auc[v][o][t] = r.auc();
                        seen[v][o][t] = observed.size();
                    }
                }
                progress.step(1);
            }
        } finally {
            progress.finish();
        }
        List<PrivacyResults.Deletion> out = new ArrayList<>();
        for (int v = 0; v < covers; v++) {
            List<PrivacyResults.Observer> observers = new ArrayList<>();
            for (int o = 0; o < views; o++) {
                observers.add(new PrivacyResults.Observer(OBSERVERS.get(o), mean(seen[v][o]), mean(hits1[v][o]),
                        mean(hits10[v][o]), mean(auc[v][o])));
            }
            double[] sorted = seconds[v].clone();
            Arrays.sort(sorted);
            out.add(new PrivacyResults.Deletion(models.get(v).config().cover(), trials, 2 * m + 1, mean(seconds[v]),
                    Roc.quantile(sorted, 0.5), observers));
        }
        return out;
    }

    /** The adapters whose digest differs between {@code a} and {@code b}: what a diff of the weights shows. */
    static Set<Integer> changedAdapters(LegoNetModel a, LegoNetModel b) {
        Set<Integer> out = new HashSet<>();
        for (int j = 0; j < a.adapterCount(); j++) {
            if (!a.adapter(j).digest().equals(b.adapter(j).digest())) {
                out.add(j);
            }
        }
        return out;
    }

    /**
     * Each candidate's score: how many of its k routed adapters are in {@code observed}, plus a
     * tie-breaker in (0, 1) that grows with its loss rise (none when {@code lossRise} is null).
     */
    static double[] scores(int[] routes, int k, Set<Integer> observed, double[] lossRise) {
        double[] s = new double[routes.length / k];
        for (int i = 0; i < s.length; i++) {
            int overlap = 0;
            for (int a = 0; a < k; a++) {
                overlap += observed.contains(routes[i * k + a]) ? 1 : 0;
            }
            s[i] = overlap + (lossRise == null ? 0 : 0.5 + Math.atan(lossRise[i]) / Math.PI);
        }
        return s;
    }

    /** Where one candidate ranks among the others: how many outrank it, how many tie with it. */
    record Rank(int above, int tied, int others) {
        static Rank of(double[] score, int target) {
            int above = 0;
            int tied = 0;
            for (int i = 0; i < score.length; i++) {
                if (i != target) {
                    above += score[i] > score[target] ? 1 : 0;
                    tied += score[i] == score[target] ? 1 : 0;
                }
            }
            return new Rank(above, tied, score.length - 1);
        }

        /** The chance it lands in the first {@code top} when ties are broken at random. */
        double within(int top) {
            return Math.max(0, Math.min(1, (double) (top - above) / (tied + 1)));
        }

        /** The share of the others it outranks, ties counting half. */
        double auc() {
            return (others - above - tied + tied / 2.0) / others;
        }
    }

    /** {@code count} distinct numbers below {@code bound}, in random order. */
    private static int[] distinct(Rng rng, int bound, int count) {
        Set<Integer> seen = new HashSet<>();
        int[] out = new int[count];
        for (int i = 0; i < count; ) {
            int v = rng.nextInt(bound);
            if (seen.add(v)) {
                out[i++] = v;
            }
        }
        return out;
    }

    private static double mean(double[] xs) {
        double s = 0;
        for (double x : xs) {
            s += x;
        }
        return xs.length == 0 ? 0 : s / xs.length;
    }
}

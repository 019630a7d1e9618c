package org.legonet.bench.privacy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.legonet.core.Progress;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.model.AdapterPool;
import org.legonet.core.model.AdapterTraining;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.model.PrivateSet;
import org.legonet.core.util.Rng;

/**
 * Offline LiRA (Carlini et al., "Membership Inference Attacks From First Principles", 2022) with
 * shadow LegoNets. A shadow keeps the model's frozen encoder and keys and retrains every adapter,
 * exactly as the model trains them, on a random half of the retained samples: each retained
 * sample is in exactly half of the shadows. For a sample, the shadows that did not train on it give
 * the distribution of the model's confidence when the sample is not a member: a Gaussian over the
 * logit-scaled true-label confidence, with a per-sample mean and, when fewer than
 * {@link #PER_SAMPLE_VARIANCE_MIN} shadows are out, one variance pooled over all samples. The
 * score is how many standard deviations the target's confidence sits above that mean: high means
 * "trained on it".
 *
 * <p>The shadows train with the model's own seed: an auditor who knows the training procedure
 * down to the seeds, the strongest position, so the figures err on the side of more leakage.
 */
final class ShadowLira {
    /** Out-shadows needed to trust a per-sample variance; below it the pooled variance is used. */
    static final int PER_SAMPLE_VARIANCE_MIN = 16;

    private final LegoNetModel model;
    private final PrivateSet data;
    private final int shadows;
    /** in[s][r]: whether shadow s trained on private-set row r. */
    private final boolean[][] in;
    private final List<LegoNetModel> trained = new ArrayList<>();

    /**
     * Trains {@code shadows} shadow models on random halves of the retained samples of {@code data}.
     *
     * @param seed     chooses the halves
     * @param progress one step per shadow trained
     */
    ShadowLira(LegoNetModel model, PrivateSet data, int shadows, long seed, int threads, Progress progress) {
        if (shadows < 2) {
            throw new IllegalArgumentException("LiRA needs at least 2 shadow models, got " + shadows);
        }
        this.model = model;
        this.data = data;
        this.shadows = shadows;
        this.in = new boolean[shadows][data.rows()];
        Rng rng = new Rng(seed);
        int[] order = AdapterPool.all(shadows);
        for (int r : data.retainedRows()) {
            rng.shuffle(order);
            for (int i = 0; i < shadows / 2; i++) {
                in[order[i]][r] = true;
            }
        }
        AdapterTraining training = AdapterTraining.threads(threads);
        int[] all = AdapterPool.all(model.adapterCount());
        progress.start("train " + shadows + " shadow models", shadows);
        try {
            for (int s = 0; s < shadows; s++) {
                int[] out = outRows(s);
                PrivateSet half = data.without(out);
                Adapter[] adapters = training.train(LegoNetTrainer.adapterTrainer(model.config()), half, all,
                        model.config().seed(), model.classes(), Progress.NONE);
                trained.add(model.withAdapters(Arrays.asList(adapters)));
                progress.step(1);
            }
        } finally {
            progress.finish();
        }
    }

    /** The retained rows shadow {@code s} left out. */
    private int[] outRows(int s) {
        return Arrays.stream(data.retainedRows()).filter(r -> !in[s][r]).toArray();
    }

    /**
     * LiRA scores of {@code targets} against the model: per sample, (confidence under the model -
     * mean confidence under the shadows that did not train on it) / standard deviation.
     */
    double[] scores(Targets targets) {
        int n = targets.size();
        double[] target = targets.confidence(model);
        double[][] phi = new double[shadows][];
        for (int s = 0; s < shadows; s++) {
            phi[s] = targets.confidence(trained.get(s));
        }
        double[] mean = new double[n];
        double[] var = new double[n];
        int[] count = new int[n];
        double pooled = 0;
        int pooledN = 0;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int s = 0; s < shadows; s++) {
                if (isOut(targets, s, i)) {
                    sum += phi[s][i];
                    count[i]++;
                }
            }
            mean[i] = count[i] == 0 ? 0 : sum / count[i];
            double ss = 0;
            for (int s = 0; s < shadows; s++) {
                if (isOut(targets, s, i)) {
                    ss += (phi[s][i] - mean[i]) * (phi[s][i] - mean[i]);
                }
            }
            if (count[i] >= 2) {
                var[i] = ss / (count[i] - 1);
                pooled += var[i];
                pooledN++;
            }
        }
        double global = pooledN == 0 ? 1.0 : pooled / pooledN;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double v = count[i] >= PER_SAMPLE_VARIANCE_MIN ? var[i] : global;
            out[i] = (target[i] - mean[i]) / Math.sqrt(v + 1e-12);
        }
        return out;
    }

    /** Whether shadow {@code s} did not train on target {@code i} (samples the model does not hold: never). */
    private boolean isOut(Targets t, int s, int i) {
        return t.rows() == null || !in[s][t.rows()[i]];
    }
}

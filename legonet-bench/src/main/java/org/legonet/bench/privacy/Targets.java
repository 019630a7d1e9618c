package org.legonet.bench.privacy;

import org.legonet.core.Progress;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.PrivateSet;

/**
 * Samples an attack scores: their encodings under the model's frozen encoder, their labels, and
 * for samples the model holds their rows in its private set (so the shadow models know which of
 * them they trained on).
 *
 * @param name   the set, in words ("retained", "unseen", "forgotten")
 * @param enc    {@code size * dim} encodings, row after row
 * @param dim    the encoder's output dimension
 * @param labels one per sample
 * @param rows   the private-set row of each sample, or null for samples the model does not hold
 */
record Targets(String name, float[] enc, int dim, int[] labels, int[] rows) {

    int size() {
        return labels.length;
    }

    /** The retained rows {@code rows} of {@code data}, from their cached encodings. */
    static Targets retained(PrivateSet data, int[] rows) {
        return new Targets("retained", data.encodings(rows), data.dim(), data.labels(rows), rows.clone());
    }

    /** Samples the model does not hold, encoded with its frozen encoder. */
    static Targets encoded(String name, LegoNetModel model, Dataset samples, int threads) {
        float[] enc = Encoders.encodeAll(model.encoder(), samples, threads, Progress.NONE);
        return new Targets(name, enc, model.encoder().outputDim(), samples.labels(), null);
    }

    /**
     * The logit-scaled confidence of {@code model} in each sample's true label:
     * log p(y) - log(1 - p(y)), with 1 - p(y) summed over the other classes so that it keeps its
     * precision near 1. Monotone in -loss; the Gaussian statistic LiRA models (Carlini et al. 2022).
     */
    double[] confidence(LegoNetModel model) {
        int c = model.classes();
        float[] p = model.predictEncoded(enc, size());
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            int y = labels[i];
            double others = 0;
            for (int j = 0; j < c; j++) {
                if (j != y) {
                    others += p[i * c + j];
                }
            }
            out[i] = Math.log(Math.max(p[i * c + y], 1e-30)) - Math.log(Math.max(others, 1e-30));
        }
        return out;
    }
}

package org.legonet.core.model;

import org.legonet.core.Accuracy;

import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.Progress;

/** Accuracy of a model on raw samples, on cached encodings, or on the retained private samples. */
public final class Evaluation {
    private static final int BATCH = 4096;

    private Evaluation() {
    }

    /** Accuracy on {@code rows} encodings with their labels (labels outside the label set count as wrong). */
    public static Accuracy ofEncoded(LegoNetModel model, float[] enc, int[] labels, int rows) {
        int classes = model.classes();
        int dim = model.encoder().outputDim();
        int[] perN = new int[classes];
        int[] perOk = new int[classes];
        int ok = 0;
        for (int from = 0; from < rows; from += BATCH) {
            int n = Math.min(BATCH, rows - from);
            float[] x = new float[n * dim];
            System.arraycopy(enc, from * dim, x, 0, n * dim);
            int[] pred = LegoNetModel.argmax(model.predictEncoded(x, n), n, classes);
            for (int i = 0; i < n; i++) {
                int y = labels[from + i];
                boolean right = pred[i] == y;
                if (y >= 0 && y < classes) {
                    perN[y]++;
                    if (right) {
                        perOk[y]++;
                    }
                }
                if (right) {
                    ok++;
                }
            }
        }
        return new Accuracy(rows, ok, perN, perOk);
    }

    /** Accuracy on raw samples: encoded with the model's encoder (in parallel), then predicted. */
    public static Accuracy ofRaw(LegoNetModel model, Dataset data, int threads, Progress progress) {
        float[] enc = Encoders.encodeAll(model.encoder(), data, threads, progress);
        return ofEncoded(model, enc, data.labels(), data.size());
    }

    /** Accuracy on the retained private samples, from their cached encodings. */
    public static Accuracy ofRetained(LegoNetModel model, PrivateSet data) {
        int[] rows = data.retainedRows();
        return ofEncoded(model, data.encodings(rows), data.labels(rows), rows.length);
    }
}

package org.legonet.core.testing;

import org.legonet.core.data.Dataset;
import org.legonet.core.util.Rng;

/** Small seeded datasets for tests: Gaussian blobs, one centre per class. */
public final class Synthetic {
    private Synthetic() {
    }

    /**
     * {@code rows} samples of dimension {@code dim} in {@code classes} classes; ids are
     * {@code idBase + 3 * row} (so ids are not row numbers), labels cycle through the classes.
     */
    public static Dataset blobs(int rows, int dim, int classes, long seed, long idBase) {
        Rng rng = new Rng(seed);
        float[] centres = new float[classes * dim];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (2.0 * rng.nextGaussian());
        }
        long[] ids = new long[rows];
        int[] labels = new int[rows];
        float[] x = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            ids[r] = idBase + 3L * r;
            labels[r] = (int) ((r * 7L + seed) % classes);
            if (labels[r] < 0) {
                labels[r] += classes;
            }
            for (int d = 0; d < dim; d++) {
                x[r * dim + d] = centres[labels[r] * dim + d] + (float) rng.nextGaussian();
            }
        }
        return new Dataset("blobs", ids, labels, x, new int[] {dim});
    }
}

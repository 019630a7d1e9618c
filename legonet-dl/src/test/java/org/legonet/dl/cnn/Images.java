package org.legonet.dl.cnn;

import java.util.Random;
import org.legonet.core.data.Dataset;

/** Small synthetic image sets for CNN tests: learnable (each class lights its own region) and of any shape. */
public final class Images {
    private Images() {
    }

    /**
     * {@code rows} images of {@code shape} ({@code [H, W]} or {@code [C, H, W]}), raw values 0..255 like
     * Fashion-MNIST: noise plus a bright patch whose position depends on the class.
     */
    public static Dataset synthetic(int rows, int[] shape, int classes, long seed) {
        int c = shape.length == 3 ? shape[0] : 1;
        int h = shape[shape.length - 2];
        int w = shape[shape.length - 1];
        int dim = c * h * w;
        Random rnd = new Random(seed);
        float[] x = new float[rows * dim];
        int[] y = new int[rows];
        for (int r = 0; r < rows; r++) {
            int label = r % classes;
            y[r] = label;
            int py = (label * 3) % Math.max(1, h - 2);
            int px = (label * 5) % Math.max(1, w - 2);
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        float v = 40f * rnd.nextFloat();
                        if (i >= py && i < py + 3 && j >= px && j < px + 3) {
                            v += 150f + 30f * ch;
                        }
                        x[r * dim + (ch * h + i) * w + j] = v;
                    }
                }
            }
        }
        return Dataset.withRowIds("synthetic " + java.util.Arrays.toString(shape), y, x, shape);
    }

    /** Every feature value of {@code data}, row-major. */
    public static float[] features(Dataset data) {
        float[] x = new float[data.size() * data.dim()];
        for (int r = 0; r < data.size(); r++) {
            data.copyRow(r, x, r * data.dim());
        }
        return x;
    }

    /** 0..n-1. */
    public static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}

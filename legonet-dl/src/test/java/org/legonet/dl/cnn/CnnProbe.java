package org.legonet.dl.cnn;

import java.nio.file.Path;
import org.legonet.core.data.DataLoader;
import org.legonet.core.data.DataSpec;
import org.legonet.core.data.Dataset;
import org.legonet.core.data.LoadedData;
import org.legonet.core.util.Progress;

/** Development probe (not a test): trains the CNN on the first N training rows and times it. */
public final class CnnProbe {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int epochs = Integer.parseInt(args[1]);
        CnnSpec spec = CnnSpec.parse(args.length > 2 ? args[2] : "cnn");
        LoadedData d = DataLoader.load(DataSpec.of(Path.of("/work/shared/datasets/fashion-mnist")));
        Dataset train = d.train().slice(0, n, "train");
        Dataset test = d.test();
        float[] st = CnnModel.inputStats(d.train().slice(0, 10000, "pub"));
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        try (CnnModel m = new CnnModel(spec, train.sampleShape(), 10, st[0], st[1], 7)) {
            System.out.println("params " + m.parameterCount());
            long t0 = System.nanoTime();
            m.fit(train, rows, epochs, 11, Progress.NONE, "fit");
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("train %d x %d epochs: %.1f s, %.0f samples/s%n", n, epochs, secs, (double) n * epochs / secs);
            CnnWeights w = m.weights();
            CnnWeights.Workspace ws = w.workspace();
            long t1 = System.nanoTime();
            int ok = 0;
            float[] x = new float[test.dim()];
            float[] lg = new float[10];
            for (int r = 0; r < test.size(); r++) {
                test.copyRow(r, x, 0);
                w.logits(x, 0, lg, ws);
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    if (lg[c] > lg[best]) {
                        best = c;
                    }
                }
                ok += best == test.label(r) ? 1 : 0;
            }
            System.out.printf("java inference %d: %.2f s, acc %.4f%n", test.size(), (System.nanoTime() - t1) / 1e9, ok / (double) test.size());
            int[] some = {0, 1, 2, 3, 4, 5, 6, 7};
            float[] e = m.engineLogits(test, some);
            double maxDiff = 0;
            for (int i = 0; i < some.length; i++) {
                test.copyRow(some[i], x, 0);
                w.logits(x, 0, lg, ws);
                for (int c = 0; c < 10; c++) {
                    maxDiff = Math.max(maxDiff, Math.abs(lg[c] - e[i * 10 + c]));
                }
            }
            System.out.println("max |java - pytorch| logit diff " + maxDiff);
        }
    }
}

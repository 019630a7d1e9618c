package org.legonet.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.legonet.core.IdKey;
import org.legonet.core.adapter.Adapter;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.LegoNetModel;
import org.legonet.core.model.LegoNetTrainer;
import org.legonet.core.ModelConfig;
import org.legonet.core.model.Trained;
import org.legonet.core.store.Manifest;
import org.legonet.core.store.ModelStore;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.Progress;
import org.legonet.core.util.Rng;
import org.legonet.dl.onnx.OnnxGraph;
import org.legonet.dl.onnx.OnnxGraph.Proto;

/**
 * Whether the size of the encoder costs a forget anything: one model trained once, stored twice,
 * once with a small ONNX encoder and once with a large one (a {@value #LARGE_ROWS}-row constant
 * table, {@code >= 50 MB}) that computes the very same encodings, hence the same keys, routes and
 * adapters. The same one-sample forgets run on both, interleaved; their p50s should be within 10%
 * of each other, since a forget neither reads nor hashes the encoder.
 *
 * <p>The ONNX graphs are written here (ir_version 8, opset 13): {@code y = x W + Gather(T, 0)}
 * with a fixed random projection {@code W} and a zero table {@code T} of 1 row (small) or
 * {@value #LARGE_ROWS} rows (large). Adding row 0 of a zero table changes no bit of the encoding.
 */
final class LargeEncoderForget {
    /** Rows of the large encoder's table: 140,000 x dim floats, over 50 MB at dim 96. */
    static final int LARGE_ROWS = 140_000;
    /** Encoding length (that of the default {@code pca:96}). */
    static final int DIM = 96;

    private LargeEncoderForget() {
    }

    /**
     * Trains {@code setting} of {@code base} on the ONNX encodings of the splits, stores it with the
     * small and the large encoder under {@code work}, and runs {@code forgets} one-sample forgets on
     * each (deleting both directories afterwards).
     */
    static BenchResults.LargeEncoderForget run(Dataset publicSplit, Dataset privateSplit, ModelConfig setting,
                                               int threads, int forgets, long seed, Path work, Progress progress)
            throws IOException {
        int dim = DIM;
        Path dir = Files.createDirectories(work).resolve("bench-onnx-" + System.nanoTime());
        Files.createDirectories(dir);
        try {
            float[] w = projection(publicSplit.dim(), dim, seed);
            Path small = Files.write(dir.resolve("small.onnx"), model(publicSplit.dim(), dim, w, 1));
            Path large = Files.write(dir.resolve("large.onnx"), model(publicSplit.dim(), dim, w, LARGE_ROWS));
            ModelConfig smallConfig = setting.withEncoder("onnx:" + small);
            ModelConfig largeConfig = setting.withEncoder("onnx:" + large);
            Manifest.DatasetInfo info = new Manifest.DatasetInfo("benchmark", null, "bench",
                    publicSplit.size() + privateSplit.size(), publicSplit.size(), privateSplit.size(),
                    privateSplit.dim(), privateSplit.sampleShape());
            IdKey idKey = IdKey.generate(); // the models live as long as the run: their key is never written
            Path smallDir = dir.resolve("small-model");
            Path largeDir = dir.resolve("large-model");
            try (Trained trained = new LegoNetTrainer(smallConfig, threads, progress).train(publicSplit, privateSplit);
                 Encoder big = Encoders.fit(largeConfig.encoder(), publicSplit, 0, Progress.NONE)) {
                checkSameEncodings(trained.model().encoder(), big, publicSplit);
                ModelStore.create(smallDir, trained, info, idKey, false, Progress.NONE);
                LegoNetModel m = trained.model();
                Adapter[] adapters = new Adapter[m.adapterCount()];
                for (int j = 0; j < adapters.length; j++) {
                    adapters[j] = m.adapter(j);
                }
                LegoNetModel bigModel = new LegoNetModel(largeConfig, big, m.keys(), m.classes(), adapters);
                ModelStore.create(largeDir, new Trained(bigModel, trained.data(), trained.privateRaw(), trained.stats()),
                        info, idKey, false, Progress.NONE);
            }
            double[] smallSecs = new double[forgets];
            double[] largeSecs = new double[forgets];
            try (ModelStore s = ModelStore.open(smallDir, true, idKey);
                 ModelStore l = ModelStore.open(largeDir, true, idKey)) {
                Unlearner us = new Unlearner(s, threads, Progress.NONE);
                Unlearner ul = new Unlearner(l, threads, Progress.NONE);
                Rng rng = new Rng(Rng.derive(seed, 0x4F4E4E58L));
                for (int i = 0; i < forgets; i++) {
                    int[] rows = s.data().retainedRows();
                    long id = s.data().id(rows[rng.nextInt(rows.length)]);
                    // alternate which goes first, so that neither always meets a warmer machine
                    if (i % 2 == 0) {
                        smallSecs[i] = us.forget(ForgetRequest.ofIds(id)).seconds();
                        largeSecs[i] = ul.forget(ForgetRequest.ofIds(id)).seconds();
                    } else {
                        largeSecs[i] = ul.forget(ForgetRequest.ofIds(id)).seconds();
                        smallSecs[i] = us.forget(ForgetRequest.ofIds(id)).seconds();
                    }
                    System.gc();
                }
                if (!Arrays.equals(adapterDigests(s.model()), adapterDigests(l.model()))) {
                    throw new LegoNetException("the small and the large ONNX encoder models diverged after the same forgets");
                }
            }
            double sp = Benchmark.percentile(smallSecs, 50);
            double lp = Benchmark.percentile(largeSecs, 50);
            return new BenchResults.LargeEncoderForget(setting.adapters() + "x" + setting.activate() + ":" + setting.adapter(),
                    Files.size(large), Files.size(small), forgets, Benchmark.r4(lp), Benchmark.r4(sp),
                    Benchmark.r3(lp / Math.max(1e-9, sp)), lp <= 1.10 * sp);
        } finally {
            Benchmark.deleteTree(dir);
        }
    }

    private static String[] adapterDigests(LegoNetModel m) {
        String[] out = new String[m.adapterCount()];
        for (int j = 0; j < out.length; j++) {
            out[j] = m.adapter(j).digest();
        }
        return out;
    }

    /** Both encoders give the same bits on the first public samples (else the comparison is void). */
    private static void checkSameEncodings(Encoder a, Encoder b, Dataset publicSplit) {
        int rows = Math.min(64, publicSplit.size());
        float[] x = new float[rows * publicSplit.dim()];
        for (int r = 0; r < rows; r++) {
            publicSplit.copyRow(r, x, r * publicSplit.dim());
        }
        float[] ya = new float[rows * a.outputDim()];
        float[] yb = new float[rows * b.outputDim()];
        a.encode(x, rows, ya);
        b.encode(x, rows, yb);
        if (!Arrays.equals(ya, yb)) {
            throw new LegoNetException("the small and the large ONNX encoders do not give the same encodings");
        }
    }

    /** A fixed random projection {@code d x h}, scaled so that pixel values 0..255 give encodings of order 1. */
    private static float[] projection(int d, int h, long seed) {
        Rng rng = new Rng(Rng.derive(seed, 0x57));
        float[] w = new float[d * h];
        double scale = 1.0 / (255.0 * Math.sqrt(d));
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (rng.nextGaussian() * scale);
        }
        return w;
    }

    /** The ONNX model {@code y = x W + Gather(T, [0])}: x {@code [1, d]}, W {@code d x h}, T {@code rows x h} of zeros. */
    static byte[] model(int d, int h, float[] w, int rows) {
        Proto graph = new Proto()
                .message(1, OnnxGraph.node("MatMul", new String[] {"x", "W"}, "xw"))
                .message(1, OnnxGraph.node("Gather", new String[] {"T", "i"}, "t"))
                .message(1, OnnxGraph.node("Add", new String[] {"xw", "t"}, "y"))
                .string(2, "projection")
                .message(5, OnnxGraph.floatTensor("W", new long[] {d, h}, w))
                .message(5, OnnxGraph.floatTensor("T", new long[] {rows, h}, new float[rows * h]))
                .message(5, new Proto().varint(1, 1).varint(2, OnnxGraph.INT64).string(8, "i").bytes(9, new byte[8]))
                .message(11, OnnxGraph.value("x", OnnxGraph.FLOAT, 1L, (long) d))
                .message(12, OnnxGraph.value("y", OnnxGraph.FLOAT, 1L, (long) h));
        return OnnxGraph.model(graph, "legonet-bench");
    }
}

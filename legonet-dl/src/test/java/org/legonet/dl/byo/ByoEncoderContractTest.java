package org.legonet.dl.byo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.model.Trained;
import org.legonet.core.store.ModelStore;
import org.legonet.core.testing.SmallModels;
import org.legonet.core.testing.Synthetic;
import org.legonet.core.UpdateReport;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.VerifyReport;
import org.legonet.core.Progress;

/**
 * What every bring-your-own encoder must do, whatever runs the network: compute what the network
 * computes, give a sample the same bits alone, in a batch, on any thread and on every call, carry
 * the file's bytes as its state, keep LegoNet exact, and turn a bad file into a one-line error.
 *
 * <p>Each implementation supplies the file format: a dense layer {@code relu(x W + b)} and a
 * network whose output is not finite for a zero sample.
 */
public abstract class ByoEncoderContractTest {
    protected static final int D = 6;
    protected static final int H = 8;
    protected static final float[] W = weights(D * H, 11);
    protected static final float[] B = weights(H, 12);

    @TempDir
    protected Path tmp;

    /** {@code onnx} or {@code torchscript}. */
    protected abstract String kind();

    /** The file bytes of {@code y = relu(x W + b)} for {@code x} of shape {@code [1, d]}. */
    protected abstract byte[] denseRelu(int d, int h, float[] w, float[] b);

    /** The file bytes of a network of input {@code [1, d]} whose output is {@code log(x)}. */
    protected abstract byte[] logOf(int d);

    /** How close the engine's float arithmetic must come to the double-precision reference. */
    protected float tolerance() {
        return 1e-5f;
    }

    protected Path file(String name, byte[] bytes) {
        try {
            return Files.write(tmp.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected String spec(Path file) {
        return kind() + ":" + file;
    }

    protected Encoder fit(String spec, int dim) {
        return Encoders.fit(spec, Synthetic.blobs(20, dim, 2, 1, 0), 0, Progress.NONE);
    }

    protected Encoder dense() {
        return fit(spec(file("dense", denseRelu(D, H, W, B))), D);
    }

    /** Asserts a {@link LegoNetException} with a one-line message that names the encoder and holds each fragment. */
    protected static AbstractThrowableAssert<?, ? extends Throwable> assertOneLineError(Runnable r, String... fragments) {
        var a = assertThatThrownBy(r::run).isInstanceOf(LegoNetException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n").doesNotContain("\r").startsWith("encoder '"));
        for (String f : fragments) {
            a.hasMessageContaining(f);
        }
        return a;
    }

    @Test
    void encodesWhatTheNetworkComputes() {
        Dataset data = Synthetic.blobs(50, D, 3, 5, 0);
        try (Encoder e = dense()) {
            assertThat(e.inputDim()).isEqualTo(D);
            assertThat(e.outputDim()).isEqualTo(H);
            float[] out = Encoders.encodeAll(e, data, 1, Progress.NONE);
            float[] x = features(data);
            int positive = 0;
            for (int r = 0; r < data.size(); r++) {
                float[] want = denseReluReference(x, r * D);
                for (int j = 0; j < H; j++) {
                    assertThat(out[r * H + j]).as("row %d, unit %d", r, j)
                            .isCloseTo(want[j], within(tolerance() * (1 + Math.abs(want[j]))));
                    positive += out[r * H + j] > 0 ? 1 : 0;
                }
            }
            // the test means something: the ReLU neither kills nor passes everything
            assertThat(positive).isBetween(data.size(), data.size() * H - data.size());
        }
    }

    @Test
    void aSampleHasTheSameBitsAloneInABatchOnAnyThreadAndOnEveryCall() throws Exception {
        Dataset many = Synthetic.blobs(700, D, 3, 6, 0); // three batches of encodeAll
        try (Encoder e = dense()) {
            float[] one = Encoders.encodeAll(e, many, 1, Progress.NONE);
            float[] three = Encoders.encodeAll(e, many, 3, Progress.NONE);
            assertThat(Arrays.equals(one, three)).as("1 vs 3 threads").isTrue();
            float[] row = new float[D];
            for (int r : new int[] {0, 1, 255, 256, 699}) {
                many.copyRow(r, row, 0);
                float[] want = Arrays.copyOfRange(one, r * H, (r + 1) * H);
                for (int call = 0; call < 4; call++) { // an optimising runtime re-plans after its first calls
                    assertThat(Encoders.encodeOne(e, row)).as("row %d alone, call %d", r, call).containsExactly(want);
                }
            }
            // a batch of seven rows from the middle, encoded concurrently by four threads
            float[] batch = Arrays.copyOfRange(features(many), 300 * D, 307 * D);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                Future<?>[] f = new Future<?>[8];
                for (int t = 0; t < f.length; t++) {
                    f[t] = pool.submit(() -> {
                        float[] out = new float[7 * H];
                        e.encode(batch, 7, out);
                        assertThat(out).containsExactly(Arrays.copyOfRange(one, 300 * H, 307 * H));
                    });
                }
                for (Future<?> x : f) {
                    x.get();
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void theStateIsTheFileAndRestoresTheSameEncoder() {
        byte[] bytes = denseRelu(D, H, W, B);
        Path f = file("dense", bytes);
        Dataset data = Synthetic.blobs(30, D, 3, 7, 0);
        try (Encoder e = fit(spec(f), D)) {
            assertThat(e.state()).isEqualTo(bytes);
            float[] before = Encoders.encodeAll(e, data, 2, Progress.NONE);
            try {
                Files.delete(f); // a stored model needs no file beside it
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
            try (Encoder back = Encoders.restore(e.spec(), D, e.state())) {
                assertThat(back.fingerprint()).isEqualTo(e.fingerprint());
                assertThat(back.outputDim()).isEqualTo(H);
                assertThat(Arrays.equals(Encoders.encodeAll(back, data, 2, Progress.NONE), before)).isTrue();
            }
        }
        // other weights, another fingerprint
        float[] w2 = W.clone();
        w2[3] += 1e-3f;
        try (Encoder a = fit(spec(file("a", denseRelu(D, H, W, B))), D);
             Encoder b = fit(spec(file("a", denseRelu(D, H, w2, B))), D)) {
            assertThat(a.fingerprint()).isNotEqualTo(b.fingerprint());
        }
    }

    @Test
    void trainForgetVerifyIsExact() {
        Path f = file("dense", denseRelu(D, H, W, B));
        Dataset[] split = SmallModels.blobs(900, 200, 21);
        Trained trained = SmallModels.train(SmallModels.config(3).withEncoder(spec(f)), split);
        Path dir = tmp.resolve("model");
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        try {
            Files.delete(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long[] ids = {trained.data().id(3), trained.data().id(100), trained.data().id(555)};
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(s.model().encoder().spec()).isEqualTo(spec(f));
            UpdateReport r = new Unlearner(s, 2, Progress.NONE).forget(ForgetRequest.ofIds(ids));
            assertThat(r.forgotten()).isEqualTo(3);
            assertThat(r.changed()).isTrue();
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as("%s", v.problems()).isTrue();
            assertThat(v.encodingsMatch()).isTrue();
            assertThat(v.samples()).isEqualTo(700 - 3);
        }
    }

    /** The store that restored the encoder closes its native session once, on close; the trainer's owner closes the fitted one. */
    @Test
    void openingAndClosingAModelReleasesItsSessionEachTime() {
        Path f = file("dense", denseRelu(D, H, W, B));
        Dataset[] split = SmallModels.blobs(300, 100, 23);
        Path dir = tmp.resolve("model");
        Encoder fitted;
        try (Trained trained = SmallModels.train(SmallModels.config(3).withEncoder(spec(f)), split)) {
            fitted = trained.model().encoder();
            ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        }
        assertClosed(fitted);
        for (int round = 0; round < 4; round++) {
            Encoder restored;
            try (ModelStore s = ModelStore.open(dir, round % 2 == 0)) {
                restored = s.model().encoder();
                float[] out = new float[restored.outputDim()];
                restored.encode(new float[D], 1, out);
            }
            assertClosed(restored);
        }
    }

    private static void assertClosed(Encoder e) {
        assertThatThrownBy(() -> e.encode(new float[D], 1, new float[e.outputDim()]))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    }

    @Test
    void aMissingFileIsAOneLineError() {
        Path missing = tmp.resolve("no-such.model");
        assertOneLineError(() -> fit(spec(missing), D), missing.toString(), "does not exist");
        assertOneLineError(() -> fit(spec(tmp), D), "is a directory");
        assertOneLineError(() -> fit(spec(file("empty", new byte[0])), D), "is empty");
        assertOneLineError(() -> fit(kind() + ":", D), "names no model file");
    }

    @Test
    void randomBytesAreAOneLineError() {
        byte[] junk = new byte[4096];
        new Random(5).nextBytes(junk);
        Path f = file("junk", junk);
        assertOneLineError(() -> fit(spec(f), D), f.toString(), "cannot be loaded");
        assertOneLineError(() -> Encoders.restore(spec(f), D, junk), "the stored encoder state", "cannot be loaded");
    }

    @Test
    void aTruncatedFileIsAOneLineError() {
        byte[] good = denseRelu(D, H, W, B);
        for (int keep : new int[] {good.length / 3, good.length - 20}) {
            Path f = file("cut" + keep, Arrays.copyOf(good, keep));
            assertOneLineError(() -> fit(spec(f), D), "cannot be loaded");
        }
    }

    @Test
    void aSampleSizeTheNetworkCannotTakeIsAOneLineError() {
        Path f = file("dense", denseRelu(D, H, W, B));
        assertOneLineError(() -> fit(spec(f), D - 1));
        assertOneLineError(() -> fit(spec(f) + ":shape=1x3", D), "shape=1x3", "holds 3 values", "6 features");
    }

    @Test
    void aNonFiniteEncodingIsAOneLineError() {
        Path f = file("log", logOf(D));
        // the probe sample (all zeros) already gives log(0) = -Infinity
        assertOneLineError(() -> fit(spec(f), D), "-Infinity", "finite");
    }

    @Test
    void specificationOptionsAreChecked() {
        Path f = file("dense", denseRelu(D, H, W, B));
        assertOneLineError(() -> fit(spec(f) + ":colour=red", D), "unknown option 'colour'");
        assertOneLineError(() -> fit(spec(f) + ":pool=max", D), "pool=");
        assertOneLineError(() -> fit(spec(f) + ":scale=0", D), "scale=");
        assertOneLineError(() -> fit(spec(f) + ":shape=2x3", D), "batch dimension");
        assertThat(Encoders.providers().stream().filter(p -> p.supports(kind() + ":x")).findFirst())
                .hasValueSatisfying(p -> assertThat(p.usage()).startsWith(kind() + ":PATH"));
    }

    @Test
    void scaleMultipliesEveryRawValue() {
        Path f = file("dense", denseRelu(D, H, W, B));
        Dataset data = Synthetic.blobs(10, D, 2, 8, 0);
        float[] halved = features(data).clone();
        for (int i = 0; i < halved.length; i++) {
            halved[i] *= 0.5f;
        }
        Dataset half = new Dataset("half", data.ids(), data.labels(), halved, new int[] {D});
        try (Encoder scaled = fit(spec(f) + ":scale=1/2", D); Encoder plain = fit(spec(f), D)) {
            assertThat(Encoders.encodeAll(scaled, data, 1, Progress.NONE))
                    .containsExactly(Encoders.encodeAll(plain, half, 1, Progress.NONE));
        }
    }

    /** The double-precision reference of {@link #denseRelu} with this class's weights. */
    protected static float[] denseReluReference(float[] x, int offset) {
        float[] y = new float[H];
        for (int j = 0; j < H; j++) {
            double s = B[j];
            for (int i = 0; i < D; i++) {
                s += (double) x[offset + i] * W[i * H + j];
            }
            y[j] = (float) Math.max(0, s);
        }
        return y;
    }

    /** All feature values of {@code data}, row-major. */
    protected static float[] features(Dataset data) {
        float[] x = new float[data.size() * data.dim()];
        for (int r = 0; r < data.size(); r++) {
            data.copyRow(r, x, r * data.dim());
        }
        return x;
    }

    private static float[] weights(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextGaussian() * 0.5);
        }
        return w;
    }
}

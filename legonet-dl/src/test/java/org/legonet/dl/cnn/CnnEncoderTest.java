package org.legonet.dl.cnn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
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
import org.legonet.core.testing.TestData;
import org.legonet.core.UpdateReport;
import org.legonet.core.ForgetRequest;
import org.legonet.core.unlearn.Unlearner;
import org.legonet.core.unlearn.Verifier;
import org.legonet.core.VerifyReport;
import org.legonet.core.Progress;

/**
 * {@code --encoder cnn[:options]} through core's encoder SPI on real Fashion-MNIST: fitted on the public
 * split only and a function of it and the seed (docs/design.md, contract point 1), bit-identical encodings alone, in a
 * batch and on any thread count (point 4), a state that restores the same encoder or fails in one line,
 * and a LegoNet on top of it that forgets and verifies EXACT.
 */
class CnnEncoderTest {
    static final String SPEC = "cnn:channels=4-8:dim=16:epochs=1:batch=50";
    static final int PUBLIC = 200;
    static final int PRIVATE = 400;
    static final long SEED = 7;

    private static Dataset all;
    private static Dataset pub;
    private static Dataset priv;
    private static Encoder encoder;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fit() {
        all = TestData.fashionMnistTrainSlice(PUBLIC + PRIVATE);
        pub = all.slice(0, PUBLIC, "public");
        priv = all.slice(PUBLIC, PUBLIC + PRIVATE, "private");
        encoder = Encoders.fit(SPEC, pub, SEED, Progress.NONE);
    }

    @Test
    void theServiceLoaderFindsItAndItDescribesItself() {
        assertThat(encoder).isInstanceOf(CnnEncoder.class);
        assertThat(encoder.spec()).isEqualTo(SPEC);
        assertThat(((CnnEncoder) encoder).recipe()).isEqualTo(CnnSpec.parse(SPEC).canonical());
        assertThat(encoder.inputDim()).isEqualTo(784);
        assertThat(encoder.outputDim()).isEqualTo(16);
        assertThat(Encoders.providers().stream().filter(p -> p.supports("cnn")).findFirst())
                .hasValueSatisfying(p -> assertThat(p.usage()).isEqualTo(CnnSpec.usage()));
        float[] e = Encoders.encodeAll(encoder, priv, 2, Progress.NONE);
        int positive = 0;
        for (float v : e) {
            assertThat(v).isFinite().isGreaterThanOrEqualTo(0f); // the encoding is a ReLU output
            positive += v > 0 ? 1 : 0;
        }
        assertThat(positive).as("the encoding carries information").isBetween(e.length / 10, e.length - 1);
        // samples of different classes are encoded differently
        int a = 0;
        int b = 0;
        while (priv.label(b) == priv.label(a)) {
            b++;
        }
        assertThat(Arrays.copyOfRange(e, a * 16, a * 16 + 16)).isNotEqualTo(Arrays.copyOfRange(e, b * 16, b * 16 + 16));
    }

    @Test
    void aSampleHasTheSameBitsAloneInABatchAndOnAnyThreadCount() throws Exception {
        float[] one = Encoders.encodeAll(encoder, all, 1, Progress.NONE); // 600 rows: three batches of encodeAll
        float[] three = Encoders.encodeAll(encoder, all, 3, Progress.NONE);
        assertThat(Arrays.equals(one, three)).as("1 vs 3 threads").isTrue();
        float[] x = Images.features(all);
        int d = 784;
        int h = 16;
        for (int r : new int[] {0, 1, 255, 256, 512, 599}) {
            float[] row = Arrays.copyOfRange(x, r * d, (r + 1) * d);
            assertThat(Encoders.encodeOne(encoder, row)).as("row %d alone", r)
                    .containsExactly(Arrays.copyOfRange(one, r * h, (r + 1) * h));
        }
        float[] batch = Arrays.copyOfRange(x, 300 * d, 307 * d);
        float[] want = Arrays.copyOfRange(one, 300 * h, 307 * h);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<?>[] f = new Future<?>[6];
            for (int t = 0; t < f.length; t++) {
                f[t] = pool.submit(() -> {
                    float[] out = new float[7 * h];
                    encoder.encode(batch, 7, out);
                    assertThat(out).containsExactly(want);
                });
            }
            for (Future<?> g : f) {
                g.get();
            }
        } finally {
            pool.shutdownNow();
        }
        // the input is only read
        assertThat(Arrays.equals(batch, Arrays.copyOfRange(x, 300 * d, 307 * d))).isTrue();
    }

    @Test
    void theStateRestoresTheSameEncoder() {
        byte[] state = encoder.state();
        try (Encoder back = Encoders.restore(SPEC, 784, state)) {
            assertThat(back.fingerprint()).isEqualTo(encoder.fingerprint());
            assertThat(back.state()).isEqualTo(state);
            assertThat(back.outputDim()).isEqualTo(16);
            assertThat(Arrays.equals(Encoders.encodeAll(back, priv, 2, Progress.NONE),
                    Encoders.encodeAll(encoder, priv, 1, Progress.NONE))).isTrue();
        }
    }

    @Test
    void aCorruptedOrMismatchedStateIsAOneLineError() {
        byte[] good = encoder.state();
        int len = ByteBuffer.wrap(good).getInt(4);
        int w = 8 + len; // where the weights begin
        bad(flip(good, 0, 0x01), SPEC, 784, "bad magic");
        bad(Arrays.copyOf(good, 5), SPEC, 784, "bad magic");
        bad(flip(good, 4, 0x40), SPEC, 784, "bad recipe length");
        bad(flip(good, 8 + 5, 0x7f), SPEC, 784, "unreadable recipe");
        bad(flip(good, w + 1, 0x01), SPEC, 784, "not a cnn encoder state");
        bad(flip(good, w + 7, 0x02), SPEC, 784, "corrupted"); // 1 input channel -> 3: the conv weights no longer fit
        bad(flip(good, w + 11, 0x02), SPEC, 784, "takes 840 features"); // height 28 -> 30
        bad(Arrays.copyOf(good, good.length - 1), SPEC, 784, "truncated or corrupted");
        bad(Arrays.copyOf(good, w + 20), SPEC, 784, "truncated or corrupted");
        bad(Arrays.copyOf(good, good.length + 2), SPEC, 784, "trailing bytes");
        byte[] nan = good.clone();
        ByteBuffer.wrap(nan).putFloat(w + 36, Float.NaN); // the first convolution weight
        bad(nan, SPEC, 784, "NaN or infinite");
        bad(good, SPEC, 785, "takes 784 features", "785");
        bad(good, "cnn:channels=4-8:dim=16:epochs=2:batch=50", 784, "trained as", "epochs=1", "epochs=2");
        bad(good, "cnn", 784, "trained as");
    }

    private static byte[] flip(byte[] b, int at, int mask) {
        byte[] c = b.clone();
        c[at] ^= (byte) mask;
        return c;
    }

    private static void bad(byte[] state, String spec, int inputDim, String... fragments) {
        var a = assertThatThrownBy(() -> Encoders.restore(spec, inputDim, state)).isInstanceOf(LegoNetException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
        for (String f : fragments) {
            a.hasMessageContaining(f);
        }
    }

    /**
     * Contract point 1: the encoder is a function of the public split and the seed. Fitting again on an
     * equal copy of the public split with the same seed gives the same fingerprint (the Java trainer is
     * bit-reproducible; CnnNetworkTest checks it across processes and vector widths too); another seed or
     * another public sample does not.
     */
    @Test
    void theEncoderIsAFunctionOfThePublicSplitAndTheSeedOnly() {
        Dataset copy = new Dataset("another copy of the public split", pub.ids().clone(), pub.labels().clone(),
                Images.features(pub), pub.sampleShape());
        try (Encoder again = Encoders.fit(SPEC, copy, SEED, Progress.NONE)) {
            assertThat(again.fingerprint()).isEqualTo(encoder.fingerprint());
            assertThat(again.state()).isEqualTo(encoder.state());
        }
        try (Encoder otherSeed = Encoders.fit(SPEC, pub, SEED + 1, Progress.NONE)) {
            assertThat(otherSeed.fingerprint()).isNotEqualTo(encoder.fingerprint());
        }
        try (Encoder otherData = Encoders.fit(SPEC, changed(pub, 17), SEED, Progress.NONE)) {
            assertThat(otherData.fingerprint()).as("the fingerprint covers the weights").isNotEqualTo(encoder.fingerprint());
        }
    }

    /** {@code data} with row {@code row}'s image replaced by its negative. */
    static Dataset changed(Dataset data, int row) {
        float[] x = Images.features(data);
        for (int i = row * data.dim(); i < (row + 1) * data.dim(); i++) {
            x[i] = 255f - x[i];
        }
        return new Dataset(data.name() + " with row " + row + " changed", data.ids(), data.labels(), x,
                data.sampleShape());
    }

    /**
     * Contract point 1 end to end, and the product path: a LegoNet on the cnn encoder; changing a private
     * sample leaves the encoder and the keys untouched (it only reaches the adapters it routes to); the
     * model is stored, forgets three samples and verifies EXACT, re-encoding the retained data.
     */
    @Test
    void aPrivateSampleNeverReachesTheEncoderAndForgettingVerifiesExact() {
        var config = SmallModels.config(3).withEncoder(SPEC);
        Dataset[] split = {pub, priv};
        Trained trained = SmallModels.train(config, split);
        Trained other = SmallModels.train(config, new Dataset[] {pub, changed(priv, 5)});
        assertThat(other.model().encoder().fingerprint()).isEqualTo(trained.model().encoder().fingerprint());
        for (int j = 0; j < trained.model().keys().count(); j++) {
            assertThat(other.model().keys().key(j)).as("key %d", j).containsExactly(trained.model().keys().key(j));
        }
        // the change did reach the model, through the adapters its sample activates
        assertThat(other.model().digest()).isNotEqualTo(trained.model().digest());
        int sample = trained.data().rowOf(priv.id(5));
        java.util.Set<Integer> routed = new java.util.TreeSet<>();
        Arrays.stream(trained.data().route(sample)).forEach(routed::add);
        Arrays.stream(other.data().route(sample)).forEach(routed::add);
        int changedAdapters = 0;
        for (int j = 0; j < trained.model().adapterCount(); j++) {
            if (!other.model().adapter(j).digest().equals(trained.model().adapter(j).digest())) {
                changedAdapters++;
                assertThat(routed).as("adapter %d changed but the changed sample is not routed to it", j).contains(j);
            }
        }
        assertThat(changedAdapters).isBetween(1, 2 * trained.data().k());

        Path dir = tmp.resolve("model");
        ModelStore.create(dir, trained, SmallModels.info(split), SmallModels.ID_KEY, false, Progress.NONE);
        long[] ids = {trained.data().id(3), trained.data().id(100), trained.data().id(299)};
        try (ModelStore s = ModelStore.open(dir, true, SmallModels.ID_KEY)) {
            assertThat(s.model().encoder().spec()).isEqualTo(SPEC);
            assertThat(s.model().encoder().fingerprint()).isEqualTo(trained.model().encoder().fingerprint());
            UpdateReport r = new Unlearner(s, 2, Progress.NONE).forget(ForgetRequest.ofIds(ids));
            assertThat(r.forgotten()).isEqualTo(3);
            assertThat(r.changed()).isTrue();
        }
        try (ModelStore s = ModelStore.open(dir, false, SmallModels.ID_KEY)) {
            VerifyReport v = new Verifier(2, Progress.NONE).verify(s, false);
            assertThat(v.exact()).as("%s", v.problems()).isTrue();
            assertThat(v.encodingsMatch()).isTrue();
            assertThat(v.routesMatch()).isTrue();
            assertThat(v.samples()).isEqualTo(PRIVATE - 3);
        }
    }

    @Test
    void inputTheNetworkCannotTakeIsAOneLineError() {
        // 6x6 images: three 2x2 poolings would leave nothing
        Dataset tiny = Images.synthetic(20, new int[] {6, 6}, 2, 1);
        oneLine(() -> Encoders.fit("cnn:channels=2-2-2:dim=4:epochs=1", tiny, 1, Progress.NONE), "6x6", "too small",
                "3 pooling blocks");
        // two blocks fit
        try (Encoder ok = Encoders.fit("cnn:channels=2-2:dim=4:epochs=1", tiny, 1, Progress.NONE)) {
            assertThat(ok.inputDim()).isEqualTo(36);
        }
        // flat feature vectors are not images
        Dataset flat = Synthetic.blobs(20, 6, 2, 1, 0);
        oneLine(() -> Encoders.fit("cnn:epochs=1", flat, 1, Progress.NONE), "[6]", "[H, W] or [C, H, W]", "pca:D");
        Dataset fourD = new Dataset("4-d", flat.ids(), flat.labels(), Images.features(flat), new int[] {1, 1, 2, 3});
        oneLine(() -> Encoders.fit("cnn:epochs=1", fourD, 1, Progress.NONE), "[1, 1, 2, 3]");
        // a public split that cannot train a classifier
        Dataset oneClass = new Dataset("one class", tiny.ids(), new int[tiny.size()], Images.features(tiny),
                tiny.sampleShape());
        oneLine(() -> Encoders.fit("cnn:channels=2:dim=4:epochs=1", oneClass, 1, Progress.NONE), "at least 2 classes");
        oneLine(() -> Encoders.fit("cnn:channels=2:dim=4:epochs=1", tiny.slice(0, 1, "one"), 1, Progress.NONE),
                "public samples", "got 1");
        oneLine(() -> Encoders.fit("cnn:dim=zero", tiny, 1, Progress.NONE), "dim=zero");
        // samples of another size than the encoder's
        oneLine(() -> Encoders.encodeAll(encoder, tiny, 1, Progress.NONE), "36 features", "784");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> oneLine(Runnable r, String... fragments) {
        var a = assertThatThrownBy(r::run).isInstanceOf(LegoNetException.class)
                .satisfies(t -> assertThat(t.getMessage()).doesNotContain("\n"));
        for (String f : fragments) {
            a.hasMessageContaining(f);
        }
        return a;
    }
}

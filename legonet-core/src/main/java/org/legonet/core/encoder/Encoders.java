package org.legonet.core.encoder;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.legonet.core.InvalidSettingException;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.Progress;

/** The registry of encoder families (built-ins plus {@link ServiceLoader} providers) and batch encoding. */
public final class Encoders {
    private static final int BATCH = 256;

    private Encoders() {
    }

    /** All known providers: the built-ins first, then those found on the class path. */
    public static List<EncoderProvider> providers() {
        List<EncoderProvider> list = new ArrayList<>();
        list.add(new IdentityEncoder.Provider());
        list.add(new PcaEncoder.Provider());
        for (EncoderProvider p : ServiceLoader.load(EncoderProvider.class)) {
            list.add(p);
        }
        return list;
    }

    static EncoderProvider providerFor(String spec) {
        for (EncoderProvider p : providers()) {
            if (p.supports(spec)) {
                return p;
            }
        }
        StringBuilder known = new StringBuilder();
        for (EncoderProvider p : providers()) {
            known.append(known.length() == 0 ? "" : ", ").append(p.usage());
        }
        throw new InvalidSettingException("encoder", "encoder '" + spec + "' is unknown; known: " + known);
    }

    /** Fits the encoder named by {@code spec} on the public split. */
    public static Encoder fit(String spec, Dataset publicSplit, long seed, Progress progress) {
        return providerFor(spec).fit(spec, publicSplit, seed, progress);
    }

    /** Rebuilds a stored encoder. */
    public static Encoder restore(String spec, int inputDim, byte[] state) {
        return providerFor(spec).restore(spec, inputDim, state);
    }

    /**
     * Encodes every row of {@code data}, in parallel across batches of rows (each sample's encoding
     * does not depend on its batch, so the result is the same for any thread count).
     *
     * @return {@code data.size() * encoder.outputDim()} values, row-major
     */
    public static float[] encodeAll(Encoder encoder, Dataset data, int threads, Progress progress) {
        if (data.dim() != encoder.inputDim()) {
            throw new LegoNetException(data.name() + " has " + data.dim() + " features per sample but encoder "
                    + encoder.spec() + " expects " + encoder.inputDim());
        }
        int rows = data.size();
        int in = encoder.inputDim();
        int outDim = encoder.outputDim();
        float[] out = new float[Math.multiplyExact(rows, outDim)];
        int batches = (rows + BATCH - 1) / BATCH;
        progress.start("encode " + data.name(), rows);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, batches)));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int b = 0; b < batches; b++) {
                final int from = b * BATCH;
                final int to = Math.min(rows, from + BATCH);
                futures.add(pool.submit(() -> {
                    float[] x = new float[(to - from) * in];
                    for (int r = from; r < to; r++) {
                        data.copyRow(r, x, (r - from) * in);
                    }
                    float[] y = new float[(to - from) * outDim];
                    encoder.encode(x, to - from, y);
                    System.arraycopy(y, 0, out, from * outDim, y.length);
                    progress.step(to - from);
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LegoNetException("interrupted while encoding " + data.name(), e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException) {
                throw (RuntimeException) c;
            }
            throw new LegoNetException("encoding " + data.name() + " failed: " + c, c);
        } finally {
            pool.shutdownNow();
            progress.finish();
        }
        return out;
    }

    /** Encodes one raw feature vector. */
    public static float[] encodeOne(Encoder encoder, float[] features) {
        float[] out = new float[encoder.outputDim()];
        encoder.encode(features, 1, out);
        return out;
    }
}

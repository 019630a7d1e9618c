package org.legonet.core;

import java.util.Locale;
import java.util.Optional;

/**
 * How a setting meets the data at hand. The defaults in {@link ModelConfig#defaults()} were chosen
 * on Fashion-MNIST (784 features, 50,000 private samples); here they are fitted to other data, and
 * a setting that leaves adapters with few samples is pointed out. Nothing here changes a setting
 * the user chose: a caller applies {@link #defaultEncoder} only when no encoder was named, and
 * {@link #adapterShare} only advises. Everything is computed from the data's shape (feature count,
 * split sizes), never from private values, so it cannot break the exactness contract.
 */
public final class DataFit {
    /**
     * The fewest expected samples per adapter ({@code k N / n}) that {@link #adapterShare} accepts
     * without a warning. Measured on Fashion-MNIST with the default adapter ({@code mlp:128} on
     * {@code pca:96}, k = 4, 15 epochs; 10,000 private samples, n varied): test accuracy 0.868 at
     * 2,000 samples per adapter, 0.865 at 500, 0.854 at 200 and 0.835 at 50 (the case that prompted
     * this warning: 1,248 private samples, n = 100). Down to about 500 the loss is within a quarter
     * of a point; below, it grows quickly. 500 is also about 50 samples per class per adapter for
     * 10 classes. The table is in docs/prediction.md.
     */
    public static final int MIN_SAMPLES_PER_ADAPTER = 500;

    private DataFit() {
    }

    /** Something a caller should tell the user about the setting and the data. */
    public record Notice(Kind kind, String message) {
        /** What the notice is about (stable, for machines). */
        public enum Kind {
            /** The default encoder was reduced to fit the data; the model uses {@link EncoderChoice#encoder()}. */
            ENCODER_CAPPED,
            /** Adapters are expected to get fewer than {@link #MIN_SAMPLES_PER_ADAPTER} samples each. */
            FEW_SAMPLES_PER_ADAPTER;

            /** Lower-case, underscore-separated name. */
            public String label() {
                return name().toLowerCase(Locale.ROOT);
            }
        }
    }

    /** The encoder the defaults give for some data, and the notice when it differs from the default. */
    public record EncoderChoice(String encoder, Optional<Notice> notice) {
    }

    /**
     * The default encoder ({@link ModelConfig#DEFAULT_ENCODER}, whitened PCA to D = 96 dimensions)
     * fitted to data with {@code features} features per sample and {@code publicSamples} public
     * samples: D is capped to the feature count, and to {@code publicSamples - 1}, the most
     * components with nonzero variance that the public split can have (whitening a zero-variance
     * component would only scale noise up).
     */
    public static EncoderChoice defaultEncoder(int features, int publicSamples) {
        if (!ModelConfig.DEFAULT_ENCODER.matches("pca:[0-9]+")) {
            return new EncoderChoice(ModelConfig.DEFAULT_ENCODER, Optional.empty());
        }
        int dflt = Integer.parseInt(ModelConfig.DEFAULT_ENCODER.substring("pca:".length()));
        int byPublic = Math.max(1, publicSamples - 1);
        int d = Math.min(dflt, Math.min(features, byPublic));
        if (d == dflt) {
            return new EncoderChoice(ModelConfig.DEFAULT_ENCODER, Optional.empty());
        }
        String why = d == features && features <= byPublic
                ? "the data has " + features + " features"
                : "the public split has " + publicSamples + " samples, so at most " + byPublic
                        + " components with variance";
        String encoder = "pca:" + d;
        return new EncoderChoice(encoder, Optional.of(new Notice(Notice.Kind.ENCODER_CAPPED, "encoder " + encoder
                + ": the default " + ModelConfig.DEFAULT_ENCODER + " capped to " + d + " components, since " + why)));
    }

    /** Expected samples per adapter, {@code k N / n}: each of N samples trains k of the n adapters. */
    public static double expectedSamplesPerAdapter(ModelConfig config, int privateSamples) {
        return (double) config.activate() * privateSamples / config.adapters();
    }

    /**
     * The largest number of adapters that still gives each about {@link #MIN_SAMPLES_PER_ADAPTER}
     * samples ({@code floor(k N / 500)}), and at least k (each adapter then trains on every sample).
     */
    public static int suggestedAdapters(ModelConfig config, int privateSamples) {
        long n = (long) config.activate() * privateSamples / MIN_SAMPLES_PER_ADAPTER;
        return (int) Math.max(config.activate(), Math.min(n, config.adapters()));
    }

    /**
     * A warning when the adapters are expected to get fewer than {@link #MIN_SAMPLES_PER_ADAPTER}
     * samples each, with the number of adapters that would give them about that many; none otherwise
     * (and none when fewer adapters cannot help, because there are already only k).
     */
    public static Optional<Notice> adapterShare(ModelConfig config, int privateSamples) {
        double each = expectedSamplesPerAdapter(config, privateSamples);
        int n = suggestedAdapters(config, privateSamples);
        if (each >= MIN_SAMPLES_PER_ADAPTER || n >= config.adapters()) {
            return Optional.empty();
        }
        double then = expectedSamplesPerAdapter(config.withShape(n, config.activate()), privateSamples);
        return Optional.of(new Notice(Notice.Kind.FEW_SAMPLES_PER_ADAPTER, String.format(Locale.ROOT,
                "%,d private samples over %d adapters (k=%d) give about %,.0f samples per adapter (k*N/n); "
                        + "adapters this small learn little. %d adapters would give about %,.0f each "
                        + "(at least %d is the aim), at a higher cost per removal",
                privateSamples, config.adapters(), config.activate(), each, n, then, MIN_SAMPLES_PER_ADAPTER)));
    }
}

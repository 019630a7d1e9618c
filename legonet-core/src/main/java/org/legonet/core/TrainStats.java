package org.legonet.core;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the time of a training run went, and the work done by the adapter kernels.
 *
 * @param encoderFitSeconds fitting the encoder on the public split
 * @param encodeSeconds     encoding the public and private splits
 * @param keysSeconds       placing and balancing the keys
 * @param adapterSeconds    training all adapters (wall clock, all threads)
 * @param adapterFlops      dense-layer floating-point operations of adapter training
 * @param threads           worker threads used for adapters
 */
public record TrainStats(double encoderFitSeconds, double encodeSeconds, double keysSeconds, double adapterSeconds,
                         long adapterFlops, int threads) {
    public double totalSeconds() {
        return encoderFitSeconds + encodeSeconds + keysSeconds + adapterSeconds;
    }

    /** Achieved GFLOP/s of adapter training, all threads together. */
    public double adapterGflops() {
        return adapterSeconds > 0 ? adapterFlops / adapterSeconds / 1e9 : 0;
    }

    /** The figures as a model directory records them (its manifest's {@code training}). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("encoder_fit_seconds", encoderFitSeconds);
        m.put("encode_seconds", encodeSeconds);
        m.put("keys_seconds", keysSeconds);
        m.put("adapter_seconds", adapterSeconds);
        m.put("adapter_gflops", adapterGflops());
        m.put("threads", threads);
        return m;
    }
}

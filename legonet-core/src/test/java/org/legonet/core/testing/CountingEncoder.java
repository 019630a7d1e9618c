package org.legonet.core.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.legonet.core.LegoNetException;
import org.legonet.core.data.Dataset;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.EncoderProvider;
import org.legonet.core.Progress;

/**
 * The identity encoder under the spec {@code counting}, counting how often its state is read and
 * how often it is closed, for tests of the encoder's lifetime. Registered as a provider for the
 * tests only. Every instance built (fitted or restored) is listed in {@link #INSTANCES}.
 */
public final class CountingEncoder implements Encoder {
    public static final String SPEC = "counting";
    /** Every instance, in the order built; tests clear it first. */
    public static final List<CountingEncoder> INSTANCES = new CopyOnWriteArrayList<>();

    private final int dim;
    private final AtomicInteger stateReads = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();

    private CountingEncoder(int dim) {
        this.dim = dim;
        INSTANCES.add(this);
    }

    /** How many times {@link #state()} was called (the default fingerprint reads it once). */
    public int stateReads() {
        return stateReads.get();
    }

    /** How many times {@link #close()} was called. */
    public int closes() {
        return closes.get();
    }

    @Override
    public String spec() {
        return SPEC;
    }

    @Override
    public int inputDim() {
        return dim;
    }

    @Override
    public int outputDim() {
        return dim;
    }

    @Override
    public void encode(float[] in, int rows, float[] out) {
        if (closes.get() > 0) {
            throw new IllegalStateException("encoder " + SPEC + " is closed");
        }
        System.arraycopy(in, 0, out, 0, rows * dim);
    }

    @Override
    public byte[] state() {
        stateReads.incrementAndGet();
        return new byte[] {(byte) dim};
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }

    /** Builds {@code counting}. */
    public static final class Provider implements EncoderProvider {
        @Override
        public boolean supports(String spec) {
            return spec.equals(SPEC);
        }

        @Override
        public Encoder fit(String spec, Dataset publicSplit, long seed, Progress progress) {
            return new CountingEncoder(publicSplit.dim());
        }

        @Override
        public Encoder restore(String spec, int inputDim, byte[] state) {
            if (state.length != 1 || state[0] != inputDim) {
                throw new LegoNetException("counting encoder state does not match its input dimension");
            }
            return new CountingEncoder(inputDim);
        }

        @Override
        public String usage() {
            return SPEC;
        }
    }
}

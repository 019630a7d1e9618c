package org.legonet.core.adapter;

import java.util.Arrays;
import org.legonet.core.InvalidSettingException;

/**
 * The architecture of every adapter: {@code linear} (one dense layer, the paper's choice) or
 * {@code mlp:H} (a hidden ReLU layer of H units; {@code mlp:H1,H2} for more layers).
 */
public record AdapterSpec(int[] hidden) {
    public AdapterSpec {
        hidden = hidden.clone();
        for (int h : hidden) {
            if (h <= 0) {
                throw new InvalidSettingException("adapter",
                        "adapter hidden sizes must be positive, got " + Arrays.toString(hidden));
            }
        }
    }

    public static final AdapterSpec LINEAR = new AdapterSpec(new int[0]);

    /** Parses {@code linear}, {@code mlp:128} or {@code mlp:256,128}. */
    public static AdapterSpec parse(String s) {
        String t = s.trim();
        if (t.equals("linear")) {
            return LINEAR;
        }
        if (t.startsWith("mlp:")) {
            String[] parts = t.substring(4).split(",");
            int[] h = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    h[i] = Integer.parseInt(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new InvalidSettingException("adapter",
                            "adapter '" + s + "': hidden size '" + parts[i] + "' is not an integer");
                }
            }
            return new AdapterSpec(h);
        }
        throw new InvalidSettingException("adapter", "adapter '" + s + "' is not one of linear, mlp:H");
    }

    public boolean isLinear() {
        return hidden.length == 0;
    }

    /** Layer widths from input to output: {@code [in, h1, ..., classes]}. */
    public int[] widths(int in, int classes) {
        int[] w = new int[hidden.length + 2];
        w[0] = in;
        System.arraycopy(hidden, 0, w, 1, hidden.length);
        w[w.length - 1] = classes;
        return w;
    }

    /** Trainable parameters for an input dimension and a class count (weights and biases). */
    public long parameters(int in, int classes) {
        int[] w = widths(in, classes);
        long p = 0;
        for (int l = 1; l < w.length; l++) {
            p += (long) w[l - 1] * w[l] + w[l];
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdapterSpec && Arrays.equals(hidden, ((AdapterSpec) o).hidden);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(hidden);
    }

    @Override
    public String toString() {
        if (isLinear()) {
            return "linear";
        }
        StringBuilder b = new StringBuilder("mlp:");
        for (int i = 0; i < hidden.length; i++) {
            b.append(i == 0 ? "" : ",").append(hidden[i]);
        }
        return b.toString();
    }
}

package org.legonet.core;

import java.util.BitSet;

/**
 * A set of adapters switched off for prediction: {@link LegoNet#predict(float[], int, AdapterMask)}
 * answers every sample only from its routed adapters outside the mask. A service masks the
 * adapters that hold a sample someone asked to forget, from the moment it accepts the request to
 * the commit that retrains them, so that no answer in between comes from that sample.
 *
 * <p>Immutable. Its text form, {@link #toString()}, lists the adapter indices in ascending order
 * separated by commas ({@code "3,17,42"}; the empty mask is {@code ""}), and {@link #parse} reads
 * it back.
 */
public final class AdapterMask {
    /** No adapter masked: predictions as without a mask. */
    public static final AdapterMask NONE = new AdapterMask(new BitSet());

    private final BitSet adapters;

    private AdapterMask(BitSet adapters) {
        this.adapters = adapters;
    }

    /** The mask of {@code adapters} (indices 0 or more; repeats are fine). */
    public static AdapterMask of(int... adapters) {
        BitSet b = new BitSet();
        for (int j : adapters) {
            if (j < 0) {
                throw new LegoNetException("adapter index " + j + " is negative");
            }
            b.set(j);
        }
        return b.isEmpty() ? NONE : new AdapterMask(b);
    }

    /**
     * Reads the text form: adapter indices separated by commas (blanks around them are fine); an
     * empty or blank text is {@link #NONE}.
     */
    public static AdapterMask parse(String text) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) {
            return NONE;
        }
        String[] parts = s.split(",", -1);
        int[] a = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].strip();
            try {
                a[i] = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new LegoNetException("the mask '" + text + "' is not a list of adapter indices like 3,17,42: '"
                        + p + "' is not an integer");
            }
        }
        return of(a);
    }

    /** Whether adapter {@code j} is masked. */
    public boolean contains(int j) {
        return j >= 0 && adapters.get(j);
    }

    /** The masked adapters, ascending. */
    public int[] adapters() {
        return adapters.stream().toArray();
    }

    /** How many adapters are masked. */
    public int size() {
        return adapters.cardinality();
    }

    public boolean isEmpty() {
        return adapters.isEmpty();
    }

    /** The largest masked index plus one (0 for none). */
    public int bound() {
        return adapters.length();
    }

    /** The adapters masked here or in {@code other}. */
    public AdapterMask union(AdapterMask other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        BitSet b = (BitSet) adapters.clone();
        b.or(other.adapters);
        return new AdapterMask(b);
    }

    /** Whether every adapter of {@code other} is masked here. */
    public boolean containsAll(AdapterMask other) {
        BitSet b = (BitSet) other.adapters.clone();
        b.andNot(adapters);
        return b.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AdapterMask m && m.adapters.equals(adapters);
    }

    @Override
    public int hashCode() {
        return adapters.hashCode();
    }

    /** The text form: ascending indices separated by commas, "" for none. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        adapters.stream().forEach(j -> b.append(b.length() == 0 ? "" : ",").append(j));
        return b.toString();
    }

    /** The masked adapters as an array of flags of length {@code n} (indices at or past n are dropped). */
    boolean[] flags(int n) {
        boolean[] f = new boolean[n];
        adapters.stream().filter(j -> j < n).forEach(j -> f[j] = true);
        return f;
    }
}

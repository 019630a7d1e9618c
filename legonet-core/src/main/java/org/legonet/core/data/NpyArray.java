package org.legonet.core.data;

import java.util.Arrays;

/**
 * The contents of one {@code .npy} file: its shape, its dtype and its values in C (row-major)
 * order, whatever order the file stored them in.
 *
 * <p>Values are always available as floats. Integer arrays also give exact values through
 * {@link #longValues()} and {@link #intValues()}, since floats lose integers beyond 2^24.
 */
public final class NpyArray {
    private final String source;
    private final int[] shape;
    private final String descr;
    private final boolean integer;
    private final float[] values;
    private final long[] exactLongs;

    NpyArray(String source, int[] shape, String descr, boolean integer, float[] values, long[] exactLongs) {
        this.source = source;
        this.shape = shape.clone();
        this.descr = descr;
        this.integer = integer;
        this.values = values;
        this.exactLongs = exactLongs;
    }

    /** The size of each dimension, outermost first (empty for a scalar). */
    public int[] shape() {
        return shape.clone();
    }

    /** The number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** The dtype as the file spelled it, such as {@code '<f4'} or {@code '|u1'}. */
    public String descr() {
        return descr;
    }

    /** Whether the dtype is an integer (or boolean) type. */
    public boolean isInteger() {
        return integer;
    }

    /** The number of values (the product of the shape). */
    public int count() {
        return values.length;
    }

    /**
     * All values in C order, as floats. The array is this object's own (not a copy): it was made for
     * the caller by the reader, so passing it on without copying is safe and saves memory.
     */
    public float[] values() {
        return values;
    }

    /**
     * The exact values of an integer array in C order (a new array).
     *
     * @throws IllegalStateException if the array holds floats
     * @throws DataException if an unsigned 64-bit value does not fit in a signed long
     */
    public long[] longValues() {
        if (!integer) {
            throw new IllegalStateException("dtype " + descr + " is not an integer type");
        }
        if (exactLongs == null) {
            long[] out = new long[values.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (long) values[i];
            }
            return out;
        }
        if (descr.endsWith("u8")) {
            for (int i = 0; i < exactLongs.length; i++) {
                if (exactLongs[i] < 0) {
                    throw new DataException(source + ": value " + Long.toUnsignedString(exactLongs[i])
                            + " at index " + i + " does not fit in a signed 64-bit integer");
                }
            }
        }
        return exactLongs.clone();
    }

    /**
     * The exact values of an integer array in C order, as ints (a new array).
     *
     * @throws IllegalStateException if the array holds floats
     * @throws DataException if a value does not fit in an int
     */
    public int[] intValues() {
        long[] longs = longValues();
        int[] out = new int[longs.length];
        for (int i = 0; i < longs.length; i++) {
            if (longs[i] != (int) longs[i]) {
                throw new DataException(source + ": value " + longs[i] + " at index " + i
                        + " does not fit in a 32-bit integer");
            }
            out[i] = (int) longs[i];
        }
        return out;
    }

    @Override
    public String toString() {
        return "NpyArray(" + descr + " " + Arrays.toString(shape) + ")";
    }
}
